"""JSON form of engine events, for the JSONL run log, the state files and the CLI's `--json`.

Every string is passed through `roadmapd.secrets.redact`: the values of the API key and of every
other secret variable never leave the process, even when a tool output or an error message
happened to contain one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from roadmapd.agent import events as agent_events
from roadmapd.engine.events import EngineEvent, Event
from roadmapd.problems import CheckResult
from roadmapd.secrets import redact, secret_values

_AGENT_EVENT_TYPES: tuple[type, ...] = (
    agent_events.TurnStarted,
    agent_events.TextDelta,
    agent_events.ToolCall,
    agent_events.ToolResult,
    agent_events.UsageReport,
    agent_events.RetryScheduled,
    agent_events.AgentFinished,
)
_TYPED: tuple[type, ...] = (EngineEvent, *_AGENT_EVENT_TYPES)  # dicts that get a "type" key


def event_to_json(event: Event, *, secrets: Iterable[str] | None = None) -> dict[str, Any]:
    """A JSON-ready dict with a `type` key; secrets replaced by `[redacted]`."""
    found = tuple(secrets) if secrets is not None else secret_values()
    out = _convert(event, found)
    assert isinstance(out, dict)
    return out


def _convert(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, CheckResult):
        return _check_result(value, secrets)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        if isinstance(value, _TYPED):
            out["type"] = type(value).__name__
        for f in dataclasses.fields(value):
            out[f.name] = _convert(getattr(value, f.name), secrets)
        return out
    if isinstance(value, Mapping):
        return {str(k): _convert(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_convert(v, secrets) for v in value]
    return redact(repr(value), secrets)


def _check_result(result: CheckResult, secrets: tuple[str, ...]) -> dict[str, Any]:
    """A check without its problems (the event lists them once, at the top)."""
    return {
        "name": redact(result.name, secrets),
        "command": redact(result.command, secrets),
        "passed": result.passed,
        "exit_code": result.exit_code,
        "duration_s": result.duration_s,
        "problem_count": len(result.problems),
        "summary": redact(result.summary, secrets),
        "output_tail": redact(result.output_tail, secrets),
    }
