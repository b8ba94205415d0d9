"""The calculator fixture is a project the test copies and runs, not part of our suite."""

collect_ignore = ["fixtures"]
