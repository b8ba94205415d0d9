"""Builders for fake-server scripts: small functions that return SCRIPT.json entries.

Each builder returns one entry of `{"responses": [...]}`; `script(*entries)` wraps them. The
entries are plain dicts, so a test can tweak one (`entry["usage"] = {...}`) before serving it.
"""

from __future__ import annotations

from typing import Any

Entry = dict[str, Any]
Block = dict[str, Any]


def _blocks(content: str | list[Block] | None) -> list[Block]:
    if content is None:
        return [{"type": "text", "text": "Working on it"}]
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content)


def text(msg: str, stop: str = "end_turn") -> Entry:
    """A reply made of one text block, ending with `stop` (end_turn, max_tokens, ...)."""
    return {"content": [{"type": "text", "text": msg}], "stop_reason": stop}


def tool_use(
    name: str, input: dict[str, Any], text: str | None = None, *, id: str | None = None
) -> Entry:
    """A reply that calls tool `name` with `input` (optionally after a text block).

    The server assigns a `toolu_...` id when `id` is None.
    """
    block: Block = {"type": "tool_use", "name": name, "input": input}
    if id is not None:
        block["id"] = id
    content: list[Block] = [] if text is None else [{"type": "text", "text": text}]
    return {"content": [*content, block], "stop_reason": "tool_use"}


def error(status: int, type: str, message: str, retry_after: float | None = None) -> Entry:
    """An HTTP error reply, e.g. `error(429, "rate_limit_error", "slow down", retry_after=1)`."""
    err: dict[str, Any] = {"status": status, "type": type, "message": message}
    if retry_after is not None:
        err["headers"] = {"retry-after": f"{retry_after:g}"}
    return {"error": err}


def stream_error(
    after_events: int,
    content: str | list[Block] | None = None,
    *,
    type: str = "overloaded_error",
    message: str = "Overloaded",
) -> Entry:
    """A streamed reply interrupted by an `event: error` after `after_events` events."""
    return {
        "content": _blocks(content),
        "stream_error": {"after_events": after_events, "type": type, "message": message},
    }


def drop(after_events: int, content: str | list[Block] | None = None) -> Entry:
    """A streamed reply whose connection the server closes after `after_events` events."""
    return {"content": _blocks(content), "drop_connection": {"after_events": after_events}}


def script(*responses: Entry) -> dict[str, Any]:
    """The whole script: `{"responses": [...]}`, consumed in order, one per POST /v1/messages."""
    return {"responses": list(responses)}
