"""Wire shapes of the Messages API: ids, error bodies, assembled messages and SSE events."""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from roadmapd.testing.responses import ScriptedReply
from roadmapd.testing.tokens import CacheUsage, estimate_tokens

_ALPHABET = string.ascii_letters + string.digits
Json = dict[str, Any]


def new_id(prefix: str) -> str:
    """An id shaped like the real ones: `msg_01...`, `toolu_01...`, `req_01...`."""
    return prefix + "01" + "".join(secrets.choice(_ALPHABET) for _ in range(22))


def error_body(error_type: str, message: str, request_id: str) -> Json:
    """`{"type": "error", "error": {...}, "request_id": ...}` as the real API sends it."""
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }


def _output_tokens(content: list[Json]) -> int:
    text = "".join(
        b["text"] if b["type"] == "text" else b["name"] + json.dumps(b["input"]) for b in content
    )
    return estimate_tokens(text)


def usage_for(reply: ScriptedReply, cache: CacheUsage) -> Json:
    """The response usage: computed from the request and content, scripted values win."""
    usage: Json = {
        "input_tokens": cache.input_tokens,
        "cache_creation_input_tokens": cache.cache_creation_input_tokens,
        "cache_read_input_tokens": cache.cache_read_input_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache.ephemeral_5m_input_tokens,
            "ephemeral_1h_input_tokens": cache.ephemeral_1h_input_tokens,
        },
        "output_tokens": _output_tokens(reply.content),
        "service_tier": "standard",
    }
    usage.update(reply.usage)
    if "cache_creation_input_tokens" in reply.usage:
        usage["cache_creation"] = {
            "ephemeral_5m_input_tokens": reply.usage["cache_creation_input_tokens"],
            "ephemeral_1h_input_tokens": 0,
        }
    return usage


def assemble(reply: ScriptedReply, model: str, usage: Json) -> Json:
    """The complete message (non-streaming body); tool_use blocks without an id get one."""
    content = [
        {**block, "id": block.get("id") or new_id("toolu_")}
        if block["type"] == "tool_use"
        else dict(block)
        for block in reply.content
    ]
    return {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": reply.stop_sequence,
        "usage": usage,
    }


def _pieces(text: str, count: int) -> list[str]:
    """Split `text` into at most `count` non-empty pieces of similar size."""
    if not text:
        return []
    size = max(1, -(-len(text) // count))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _block_events(index: int, block: Json) -> list[tuple[str, Json]]:
    if block["type"] == "text":
        start: Json = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in _pieces(block["text"], 3)]
    else:
        start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        raw = json.dumps(block["input"], ensure_ascii=False)
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in ["", *_pieces(raw, 3)]]
    events: list[tuple[str, Json]] = [
        (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": start},
        )
    ]
    events += [
        ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
        for d in deltas
    ]
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events


def stream_events(message: Json) -> list[tuple[str, Json]]:
    """The SSE events (name, data) that stream `message`, in the real API's order."""
    usage = message["usage"]
    start_usage = {**usage, "output_tokens": 1}
    head = {
        **message,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    events: list[tuple[str, Json]] = [("message_start", {"type": "message_start", "message": head})]
    ping: tuple[str, Json] = ("ping", {"type": "ping"})
    for index, block in enumerate(message["content"]):
        block_events = _block_events(index, block)
        if index == 0:
            block_events.insert(1, ping)
        events += block_events
    if not message["content"]:
        events.append(ping)
    final_usage = {
        key: usage[key]
        for key in (
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
        )
    }
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]}
    events.append(
        ("message_delta", {"type": "message_delta", "delta": delta, "usage": final_usage})
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def encode_event(name: str, data: Json) -> bytes:
    """One SSE event with its `event:` line, as the SDK expects."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
