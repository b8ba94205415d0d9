"""The knobs of one agent attempt: model, limits, sandbox, retries. Frozen; built by `config`."""

from __future__ import annotations

from dataclasses import dataclass, field

from roadmapd.containment.jail import JailSettings


@dataclass(frozen=True)
class AgentSettings:
    model: str = "claude-sonnet-4-6"
    max_tokens: int = 8192
    max_turns: int = 40  # requests per `send()`
    budget_usd: float | None = None  # per `send()`; None = unlimited
    base_url: str | None = None  # None -> ANTHROPIC_BASE_URL or the SDK default
    shell_timeout_s: float = 120.0
    jail: JailSettings = field(default_factory=JailSettings)
    secret_env: tuple[str, ...] = ()  # variables whose values never reach the model
    max_retries: int = 4  # retries after the first try, per request
    retry_cap_s: float = 30.0  # upper bound for one backoff delay, `retry-after` included
    stuck_repeats: int = 4  # identical tool calls in a row that end the attempt
    max_tool_output_chars: int = 30_000
    retry_base_s: float = 1.0  # first backoff delay without `retry-after`; doubles per retry
    max_tokens_continuations: int = 3  # `max_tokens` stops in a row before giving up
    thinking_budget_tokens: int | None = None  # extended thinking per request (None: off)
    timeout_s: float | None = None  # one request's timeout (None: the SDK's default)
