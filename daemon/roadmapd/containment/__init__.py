"""Everything that keeps what the agent can influence in its box: the allowlisted environment of
every child process (`env`) and the bubblewrap jail with its limits (`jail`)."""
