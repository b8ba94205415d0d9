"""The agent settings of a role (`implementer`, `reviewer`, `breakdown`, `normalize`) and the
jail's, from the configuration: one place for every caller (the workspace's engine, the editor's
"Break down", `roadmapd normalize`). Light: no engine, no SDK."""

from __future__ import annotations

from roadmapd.agent.settings import AgentSettings
from roadmapd.config import Config, RoleName
from roadmapd.containment.jail import JailSettings, Limits


def agent_settings(config: Config, role: RoleName = "implementer") -> AgentSettings:
    """The agent settings of `role` (the agent loop: "implementer")."""
    own = config.role(role)
    return AgentSettings(
        model=own.model,
        max_tokens=own.max_tokens,
        max_turns=config.max_turns,
        budget_usd=own.budget_usd,
        base_url=own.base_url,
        thinking_budget_tokens=own.thinking_budget_tokens,
        timeout_s=own.timeout_s,
        shell_timeout_s=config.shell_timeout_s,
        jail=jail_settings(config),
        secret_env=tuple(config.secret_env),
    )


def jail_settings(config: Config) -> JailSettings:
    return JailSettings(
        mode=config.sandbox,
        allow_network=config.allow_network,
        limits=Limits(config.limit_processes, config.limit_memory_mb, config.limit_file_mb),
        binds=tuple(config.sandbox_binds),
        pass_env=tuple(config.pass_env),
    )
