"""Typed events one agent attempt yields; the engine, the server, the CLI and the log consume them.

Nothing in the agent prints: every observable thing it does is one of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the Messages API reports them, plus the cost from the price table."""

    input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            self.cache_read_input_tokens + other.cache_read_input_tokens,
            self.output_tokens + other.output_tokens,
            self.cost_usd + other.cost_usd,
        )

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens


@dataclass(frozen=True, slots=True)
class TurnStarted:
    turn: int  # 1-based request number within the attempt


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    input: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolResult:
    id: str
    name: str
    output: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Usage of one request (not cumulative) and the running total of the attempt."""

    turn: int
    usage: Usage
    total: Usage


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    retry: int  # 1-based
    delay_s: float
    reason: str


Outcome = Literal[
    "end_turn",  # the model stopped on its own: the daemon now verifies
    "max_turns",
    "budget",
    "stuck",  # the identical tool call repeated too often
    "api_error",  # retry budget spent or a non-retryable error
    "max_tokens",
    "cancelled",
    "needs_input",  # headless: the agent asked the user a question nobody can answer now
]


@dataclass(frozen=True, slots=True)
class AgentFinished:
    outcome: Outcome
    reason: str
    turns: int
    usage: Usage


AgentEvent = (
    TurnStarted | TextDelta | ToolCall | ToolResult | UsageReport | RetryScheduled | AgentFinished
)
