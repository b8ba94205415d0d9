"""Loads SCRIPT.json and checks it into typed entries, with messages that point at the mistake."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

STOP_REASONS = frozenset(
    {"end_turn", "tool_use", "max_tokens", "stop_sequence", "pause_turn", "refusal"}
)
_REPLY_KEYS = frozenset(
    {"content", "stop_reason", "stop_sequence", "usage", "stream_error", "drop_connection"}
)
_USAGE_KEYS = frozenset(
    {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
)


class ScriptError(ValueError):
    """SCRIPT.json is unreadable or malformed; the message names the bad entry."""


@dataclass(frozen=True)
class ScriptedError:
    """An HTTP error answer: status, error type, message and extra response headers."""

    status: int
    type: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    delay_ms: int | None = None


@dataclass(frozen=True)
class ScriptedReply:
    """A model reply, optionally broken mid-stream by an error event or a dropped connection."""

    content: list[dict[str, Any]]
    stop_reason: str
    stop_sequence: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    stream_error: ScriptedError | None = None
    stream_error_after: int = 0
    drop_after: int | None = None
    delay_ms: int | None = None


Scripted = ScriptedReply | ScriptedError


def _int(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScriptError(f"{where}: expected an integer >= {minimum}, got {value!r}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ScriptError(f"{where}: expected a string, got {value!r}")
    return value


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScriptError(f"{where}: expected an object, got {value!r}")
    return value


def _block(raw: Any, where: str) -> dict[str, Any]:
    block = _obj(raw, where)
    kind = block.get("type")
    if kind == "text":
        _str(block.get("text"), f"{where}.text")
        return {"type": "text", "text": block["text"]}
    if kind == "tool_use":
        out: dict[str, Any] = {
            "type": "tool_use",
            "name": _str(block.get("name"), f"{where}.name"),
            "input": _obj(block.get("input", {}), f"{where}.input"),
        }
        if "id" in block:
            out["id"] = _str(block["id"], f"{where}.id")
        return out
    raise ScriptError(f"{where}.type: expected 'text' or 'tool_use', got {kind!r}")


def _error(raw: Any, where: str, delay_ms: int | None) -> ScriptedError:
    err = _obj(raw, where)
    headers = _obj(err.get("headers", {}), f"{where}.headers")
    return ScriptedError(
        status=_int(err.get("status"), f"{where}.status", 400),
        type=_str(err.get("type"), f"{where}.type"),
        message=_str(err.get("message", err.get("type")), f"{where}.message"),
        headers={str(k): _str(v, f"{where}.headers.{k}") for k, v in headers.items()},
        delay_ms=delay_ms,
    )


def _reply(entry: dict[str, Any], where: str, delay_ms: int | None) -> ScriptedReply:
    unknown = sorted(set(entry) - _REPLY_KEYS - {"delay_ms"})
    if unknown:
        raise ScriptError(f"{where}: unknown key(s) {unknown}; expected {sorted(_REPLY_KEYS)}")
    raw_content = entry.get("content", [])
    if not isinstance(raw_content, list):
        raise ScriptError(f"{where}.content: expected a list of blocks, got {raw_content!r}")
    content = [_block(b, f"{where}.content[{i}]") for i, b in enumerate(raw_content)]
    has_tool = any(b["type"] == "tool_use" for b in content)
    stop = entry.get("stop_reason", "tool_use" if has_tool else "end_turn")
    if stop not in STOP_REASONS:
        raise ScriptError(
            f"{where}.stop_reason: expected one of {sorted(STOP_REASONS)}, got {stop!r}"
        )
    usage = _obj(entry.get("usage", {}), f"{where}.usage")
    for key, value in usage.items():
        if key not in _USAGE_KEYS:
            raise ScriptError(f"{where}.usage: unknown key {key!r}; expected {sorted(_USAGE_KEYS)}")
        _int(value, f"{where}.usage.{key}")
    stop_sequence = entry.get("stop_sequence")
    reply = ScriptedReply(
        content=content,
        stop_reason=stop,
        stop_sequence=None
        if stop_sequence is None
        else _str(stop_sequence, f"{where}.stop_sequence"),
        usage=dict(usage),
        delay_ms=delay_ms,
    )
    if "stream_error" in entry:
        raw = _obj(entry["stream_error"], f"{where}.stream_error")
        after = _int(raw.get("after_events", 0), f"{where}.stream_error.after_events")
        err_type = _str(raw.get("type", "overloaded_error"), f"{where}.stream_error.type")
        message = _str(raw.get("message", "Overloaded"), f"{where}.stream_error.message")
        err = ScriptedError(status=_status_for(err_type), type=err_type, message=message)
        reply = replace(reply, stream_error=err, stream_error_after=after)
    if "drop_connection" in entry:
        raw = _obj(entry["drop_connection"], f"{where}.drop_connection")
        after = _int(raw.get("after_events", 0), f"{where}.drop_connection.after_events")
        reply = replace(reply, drop_after=after)
    return reply


_STATUS_BY_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def _status_for(error_type: str) -> int:
    """The HTTP status the real API uses for an error type (500 for unknown types)."""
    return _STATUS_BY_TYPE.get(error_type, 500)


def parse_script(data: Any, source: str = "script") -> list[Scripted]:
    """Check a decoded script (`{"responses": [...]}`) and return its entries in order."""
    top = _obj(data, source)
    responses = top.get("responses")
    if not isinstance(responses, list):
        raise ScriptError(f'{source}: expected {{"responses": [...]}}, got keys {sorted(top)}')
    entries: list[Scripted] = []
    for i, raw in enumerate(responses):
        where = f"{source}: responses[{i}]"
        entry = _obj(raw, where)
        delay = entry.get("delay_ms")
        delay_ms = None if delay is None else _int(delay, f"{where}.delay_ms")
        if "error" in entry:
            extra = sorted(set(entry) - {"error", "delay_ms"})
            if extra:
                raise ScriptError(f"{where}: an error entry takes no other keys, got {extra}")
            entries.append(_error(entry["error"], f"{where}.error", delay_ms))
        else:
            entries.append(_reply(entry, where, delay_ms))
    return entries


def load_script(path: Path) -> list[Scripted]:
    """Read and check SCRIPT.json; raises ScriptError with a readable message."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read script: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScriptError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    return parse_script(data, str(path))
