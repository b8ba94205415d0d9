"""The agent loop on the Anthropic Messages API: `session.AgentSession`, `settings.AgentSettings`,
`prompts`, tools confined to the workspace, the sandboxed shell, caching, cost, retries.

Deliberately re-exports nothing: `roadmapd.agent.events` must stay importable without the SDK.
"""
