"""Request validation rules, checked directly (no server): each rule accepts and rejects."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmapd.testing.tokens import PromptCache, count_input_tokens, prompt_blocks
from roadmapd.testing.validation import InvalidRequest, validate

USE = {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {"command": "ls"}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "m",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
    }
    body.update(changes)
    return body


def _conversation(*later: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "text", "text": "sure"}, USE]},
        *later,
    ]


def test_a_full_valid_request_passes() -> None:
    validate(
        _body(
            system=[{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
            tools=[
                {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
                {"type": "bash_20250124", "name": "bash"},
                {"name": "run_checks", "input_schema": {"type": "object"}},
            ],
            tool_choice={"type": "tool", "name": "run_checks"},
            messages=_conversation(
                {"role": "user", "content": [RESULT, {"type": "text", "text": "x"}]}
            ),
        )
    )
    validate({"model": "m", "messages": [{"role": "user", "content": "hi"}]}, count_tokens=True)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([], "valid JSON object"),
        ({"max_tokens": 1, "messages": []}, "model: Field required"),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            "max_tokens: Field required",
        ),
        (_body(max_tokens=0), "greater than 0"),
        (_body(max_tokens=True), "greater than 0"),
        (_body(stream="yes"), "stream"),
        ({"model": "m", "max_tokens": 1}, "messages: Field required"),
        (_body(messages=[]), "at least one message"),
        (_body(messages=[{"role": "system", "content": "x"}]), "role"),
        (_body(messages=[{"role": "user"}]), "content"),
        (_body(messages=[{"role": "user", "content": [{"type": "video"}]}]), "Input tag"),
        (_body(messages=_conversation()), "without `tool_result`"),
        (_body(messages=_conversation({"role": "user", "content": "no result"})), "toolu_1"),
        (
            _body(messages=_conversation({"role": "user", "content": [RESULT, RESULT]})),
            "duplicate",
        ),
        (
            _body(
                messages=_conversation(
                    {"role": "user", "content": [{"type": "text", "text": "a"}, RESULT]}
                )
            ),
            "must come first",
        ),
        (
            _body(messages=[{"role": "user", "content": [RESULT]}]),
            "unexpected `tool_use_id`",
        ),
        (
            _body(messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]),
            "alternate",
        ),
        (_body(tools=[{"name": "bad name", "input_schema": {"type": "object"}}]), "pattern"),
        (_body(tools=[{"name": "x", "input_schema": {"type": "array"}}]), "'object'"),
        (_body(tools=[{"type": "bash_20250124", "name": "shell"}]), "requires name 'bash'"),
        (_body(tools=[{"type": "computer_99", "name": "c"}]), "unknown tool type"),
        (
            _body(tools=[{"name": "x", "input_schema": {"type": "object"}}] * 2),
            "unique",
        ),
        (_body(tool_choice={"type": "tool", "name": "nope"}), "no tool named"),
        (_body(system=[{"type": "image"}]), "system.0"),
        (_body(cache_control={"type": "persistent"}), "ephemeral"),
        (
            _body(
                system=[
                    {"type": "text", "text": str(i), "cache_control": {"type": "ephemeral"}}
                    for i in range(4)
                ],
                cache_control={"type": "ephemeral"},
            ),
            "A maximum of 4 blocks with cache_control may be provided. Found 5.",
        ),
    ],
)
def test_violations_are_reported(body: Any, fragment: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        validate(body)
    assert fragment in str(info.value)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
_block = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "tool_use", "tool_result", "image", "bogus"]) | _json},
    optional={
        "text": _json,
        "id": st.sampled_from(["toolu_1", "toolu_2"]) | _json,
        "name": st.sampled_from(["bash"]) | _json,
        "input": _json,
        "tool_use_id": st.sampled_from(["toolu_1", "toolu_2"]) | _json,
        "cache_control": st.just({"type": "ephemeral"}) | _json,
    },
)
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system"]) | _json},
    optional={"content": st.text(max_size=5) | st.lists(_block, max_size=3) | _json},
)
_request = st.fixed_dictionaries(
    {"model": st.just("m") | _json, "max_tokens": st.just(5) | _json},
    optional={
        "messages": st.lists(_message, max_size=4) | _json,
        "system": st.text(max_size=5) | st.lists(_block, max_size=2) | _json,
        "tools": st.lists(
            _json
            | st.fixed_dictionaries(
                {"type": st.sampled_from(["bash_20250124", "custom"]) | _json, "name": _json}
            )
            | st.just({"type": "bash_20250124", "name": "bash"}),
            max_size=2,
        ),
        "tool_choice": _json
        | st.fixed_dictionaries({"type": st.just("tool") | _json, "name": _json}),
        "cache_control": _json,
        "stream": _json,
    },
)


def _alternate(texts: list[tuple[str, bool]]) -> dict[str, Any]:
    messages = []
    for i, (words, mark) in enumerate(texts):
        block: dict[str, Any] = {"type": "text", "text": words}
        if mark:
            block["cache_control"] = {"type": "ephemeral"}
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": [block]})
    return {"model": "m", "max_tokens": 5, "messages": messages}


_valid = st.lists(st.tuples(st.text(max_size=20), st.booleans()), min_size=1, max_size=6).map(
    _alternate
)


@settings(max_examples=300, deadline=None)
@given(_request | _valid | _json)
def test_any_input_is_accepted_or_rejected_with_invalid_request(body: Any) -> None:
    try:
        validate(body)
    except InvalidRequest as exc:
        assert str(exc)
        return
    assert count_input_tokens(body) > 0
    assert PromptCache().account(prompt_blocks(body)).input_tokens >= 0
