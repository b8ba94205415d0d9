"""Prompt-cache breakpoints for one request, without touching the stored history.

At most four breakpoints: the last tool definition, the system prompt, the first user message
(the task: together the stable prefix) and the last message (the latest turn), so that from the
second request on everything up to the previous turn is read from the cache.
"""

from __future__ import annotations

from typing import Any

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}

Message = dict[str, Any]


def cached_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not tools:
        return []
    return [*tools[:-1], {**tools[-1], "cache_control": EPHEMERAL}]


def cached_system(system: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": system, "cache_control": EPHEMERAL}]


def _marked(message: Message) -> Message:
    content = message["content"]
    if isinstance(content, str):
        blocks: list[dict[str, Any]] = [{"type": "text", "text": content}]
    else:
        blocks = list(content)
    if not blocks:
        return message
    return {**message, "content": [*blocks[:-1], {**blocks[-1], "cache_control": EPHEMERAL}]}


def cached_messages(messages: list[Message]) -> list[Message]:
    """A shallow copy of `messages` with breakpoints on the first and the last message."""
    if not messages:
        return []
    out = list(messages)
    out[0] = _marked(out[0])
    if len(out) > 1:
        out[-1] = _marked(out[-1])
    return out
