"""Request validation the real Messages API performs, reported as `invalid_request_error` text.

Stricter than the real API in one place on purpose: consecutive messages with the same role
are rejected (the real API merges them), because in our agent loop that is always a bug.
"""

from __future__ import annotations

import re
from typing import Any

ANTHROPIC_TOOLS = {
    "text_editor_20250728": "str_replace_based_edit_tool",
    "bash_20250124": "bash",
}
MAX_CACHE_BREAKPOINTS = 4
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_BLOCK_TYPES = frozenset(
    {"text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"}
)


class InvalidRequest(ValueError):
    """The request breaks an API rule; the message is what the 400 body says."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_cache_control(value: Any, where: str) -> int:
    if value is None:
        return 0
    if not isinstance(value, dict) or value.get("type") != "ephemeral":
        raise InvalidRequest(f"{where}.cache_control: expected {{'type': 'ephemeral'}}")
    if value.get("ttl", "5m") not in ("5m", "1h"):
        raise InvalidRequest(f"{where}.cache_control.ttl: expected '5m' or '1h'")
    return 1


def _check_tools(tools: Any) -> int:
    if not isinstance(tools, list):
        raise InvalidRequest("tools: Input should be a valid list")
    names: set[str] = set()
    breakpoints = 0
    for i, tool in enumerate(tools):
        where = f"tools.{i}"
        if not isinstance(tool, dict):
            raise InvalidRequest(f"{where}: Input should be a valid dictionary")
        kind = tool.get("type", "custom")
        name = tool.get("name")
        if not isinstance(kind, str):
            raise InvalidRequest(f"{where}.type: Input should be a valid string")
        if kind in ANTHROPIC_TOOLS:
            if name != ANTHROPIC_TOOLS[kind]:
                raise InvalidRequest(
                    f"{where}.name: {kind} requires name {ANTHROPIC_TOOLS[kind]!r}"
                )
        elif kind == "custom":
            if not isinstance(name, str) or not _TOOL_NAME.match(name):
                raise InvalidRequest(
                    f"{where}.name: String should match pattern {_TOOL_NAME.pattern}"
                )
            schema = tool.get("input_schema")
            if not isinstance(schema, dict):
                raise InvalidRequest(f"{where}.custom.input_schema: Field required")
            if schema.get("type") != "object":
                raise InvalidRequest(f"{where}.custom.input_schema.type: Input should be 'object'")
        else:
            raise InvalidRequest(f"{where}.type: unknown tool type {kind!r}")
        if name in names:
            raise InvalidRequest(f"tools: Tool names must be unique, found {name!r} twice")
        names.add(str(name))
        breakpoints += _check_cache_control(tool.get("cache_control"), where)
    return breakpoints


def _check_system(system: Any) -> int:
    if isinstance(system, str):
        return 0
    if not isinstance(system, list):
        raise InvalidRequest("system: Input should be a valid string or list of text blocks")
    breakpoints = 0
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise InvalidRequest(f"system.{i}: Input should be a text block")
        if not isinstance(block.get("text"), str):
            raise InvalidRequest(f"system.{i}.text: Field required")
        breakpoints += _check_cache_control(block.get("cache_control"), f"system.{i}")
    return breakpoints


def _content_blocks(message: dict[str, Any], index: int) -> tuple[list[dict[str, Any]], int]:
    """The message's blocks (a string is one text block) and its cache breakpoint count."""
    content = message.get("content")
    where = f"messages.{index}.content"
    if isinstance(content, str):
        return [{"type": "text", "text": content}], 0
    if not isinstance(content, list):
        raise InvalidRequest(f"{where}: Field required (a string or a list of content blocks)")
    breakpoints = 0
    for j, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise InvalidRequest(f"{where}.{j}.type: Field required")
        if block["type"] not in _BLOCK_TYPES:
            raise InvalidRequest(
                f"{where}.{j}: Input tag does not match any of {sorted(_BLOCK_TYPES)}"
            )
        if block["type"] == "tool_use" and (
            not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str)
        ):
            raise InvalidRequest(f"{where}.{j}.tool_use: `id` and `name` are required")
        if block["type"] == "tool_result" and not isinstance(block.get("tool_use_id"), str):
            raise InvalidRequest(f"{where}.{j}.tool_result.tool_use_id: Field required")
        breakpoints += _check_cache_control(block.get("cache_control"), f"{where}.{j}")
    return content, breakpoints


def _check_pairing(
    index: int, previous: list[dict[str, Any]], blocks: list[dict[str, Any]]
) -> None:
    """Every tool_use of the previous assistant message has exactly one tool_result here."""
    wanted = [b["id"] for b in previous if b["type"] == "tool_use"]
    results = [b for b in blocks if b["type"] == "tool_result"]
    seen: set[str] = set()
    for j, block in enumerate(blocks):
        if block["type"] != "tool_result":
            if j < len(results):
                raise InvalidRequest(
                    f"messages.{index}: `tool_result` blocks must come first in the content"
                )
            continue
        use_id = block["tool_use_id"]
        if use_id not in wanted:
            raise InvalidRequest(
                f"messages.{index}.content.{j}: unexpected `tool_use_id` found in `tool_result` "
                f"blocks: {use_id}. Each `tool_result` block must have a corresponding "
                "`tool_use` block in the previous message."
            )
        if use_id in seen:
            raise InvalidRequest(
                f"messages.{index}.content.{j}: duplicate `tool_result` for tool_use id {use_id}"
            )
        seen.add(use_id)
    missing = [w for w in wanted if w not in seen]
    if missing:
        raise InvalidRequest(
            f"messages.{index - 1}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
            "corresponding `tool_result` block in the next message."
        )


def _check_messages(messages: Any) -> int:
    if not isinstance(messages, list):
        raise InvalidRequest("messages: Input should be a valid list")
    if not messages:
        raise InvalidRequest("messages: at least one message is required")
    previous: list[dict[str, Any]] = []
    previous_role = None
    breakpoints = 0
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InvalidRequest(f"messages.{i}: Input should be a valid dictionary")
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise InvalidRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise InvalidRequest('messages: first message must use the "user" role')
        if role == previous_role:
            raise InvalidRequest(
                'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row (messages.{i})'
            )
        blocks, count = _content_blocks(message, i)
        breakpoints += count
        if role == "user":
            _check_pairing(i, previous, blocks)
        previous, previous_role = blocks, role
    if previous_role == "assistant" and any(b["type"] == "tool_use" for b in previous):
        _check_pairing(len(messages), previous, [])
    return breakpoints


def _check_tool_choice(choice: Any, tools: Any) -> None:
    if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
        raise InvalidRequest("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
    if choice["type"] == "tool":
        names = [t.get("name") for t in tools or [] if isinstance(t, dict)]
        if not isinstance(choice.get("name"), str) or choice["name"] not in names:
            raise InvalidRequest(f"tool_choice.name: no tool named {choice.get('name')!r}")


def _check_thinking(body: dict[str, Any], count_tokens: bool) -> None:
    thinking = body["thinking"]
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled"):
        raise InvalidRequest("thinking.type: Input should be 'enabled' or 'disabled'")
    if thinking["type"] == "disabled":
        return
    budget: Any = thinking.get("budget_tokens")
    if not _is_int(budget) or budget < 1024:
        raise InvalidRequest(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        )
    if not count_tokens and budget >= body["max_tokens"]:
        raise InvalidRequest("`max_tokens` must be greater than `thinking.budget_tokens`")
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("tool", "any"):
        raise InvalidRequest("Thinking may not be enabled when tool_choice forces tool use.")


def validate(body: Any, *, count_tokens: bool = False) -> None:
    """Raise InvalidRequest when `body` is not a valid Messages (or count_tokens) request."""
    if not isinstance(body, dict):
        raise InvalidRequest("request body: Input should be a valid JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise InvalidRequest("model: Field required")
    if not count_tokens:
        if "max_tokens" not in body:
            raise InvalidRequest("max_tokens: Field required")
        if not _is_int(body["max_tokens"]) or body["max_tokens"] < 1:
            raise InvalidRequest("max_tokens: Input should be an integer greater than 0")
        if not isinstance(body.get("stream", False), bool):
            raise InvalidRequest("stream: Input should be a valid boolean")
    if "messages" not in body:
        raise InvalidRequest("messages: Field required")
    breakpoints = _check_messages(body["messages"])
    if "system" in body:
        breakpoints += _check_system(body["system"])
    if "tools" in body:
        breakpoints += _check_tools(body["tools"])
    if "tool_choice" in body:
        _check_tool_choice(body["tool_choice"], body.get("tools"))
    if "thinking" in body:
        _check_thinking(body, count_tokens)
    breakpoints += _check_cache_control(body.get("cache_control"), "cache_control")
    if breakpoints > MAX_CACHE_BREAKPOINTS:
        raise InvalidRequest(
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {breakpoints}."
        )
