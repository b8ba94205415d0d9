"""Faults as the SDK sees them: HTTP errors, retries, mid-stream errors, drops, 400s, 401."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam

from roadmapd.agent.faults import classify
from roadmapd.testing import FakeServer
from roadmapd.testing.script import drop, error, script, stream_error, text

USER: list[MessageParam] = [{"role": "user", "content": "go"}]


def _client(server: FakeServer, retries: int = 0) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=retries)


def _stream(client: anthropic.Anthropic, **overrides: Any) -> anthropic.types.Message:
    params: dict[str, Any] = {"model": "m", "max_tokens": 50, "messages": USER, **overrides}
    with client.messages.stream(**params) as stream:
        return stream.get_final_message()


def test_rate_limit_raises_then_retry_gets_the_next_response() -> None:
    entries = script(
        error(429, "rate_limit_error", "slow down", retry_after=0.05),
        error(429, "rate_limit_error", "slow down again", retry_after=0.05),
        text("finally"),
    )
    with FakeServer(entries) as server:
        with pytest.raises(anthropic.RateLimitError) as info:
            _stream(_client(server))
        message = _stream(_client(server, retries=1))
        retry_counts = [r["headers"].get("x-stainless-retry-count") for r in server.requests()]
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "0.05"
    body = info.value.body
    assert isinstance(body, dict) and body["error"]["type"] == "rate_limit_error"
    assert message.content[0].type == "text" and message.content[0].text == "finally"
    assert retry_counts == ["0", "0", "1"]


def test_error_body_has_the_real_shape() -> None:
    with (
        FakeServer(script(error(529, "overloaded_error", "Overloaded"))) as server,
        pytest.raises(anthropic.APIStatusError) as info,
    ):
        _client(server).messages.create(model="m", max_tokens=5, messages=USER)
    assert info.value.status_code == 529
    body = info.value.body
    assert isinstance(body, dict)
    assert body["type"] == "error"
    assert body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert body["request_id"].startswith("req_")


def test_mid_stream_error_event_raises_api_status_error() -> None:
    with FakeServer(script(stream_error(3, "partial answer"))) as server:
        client = _client(server)
        seen: list[str] = []
        with (
            pytest.raises(anthropic.APIStatusError) as info,
            client.messages.stream(model="m", max_tokens=50, messages=USER) as stream,
        ):
            seen.extend(event.type for event in stream)
    assert "overloaded_error" in str(info.value)
    assert "message_stop" not in seen
    assert "message_start" in seen


def test_dropped_connection_mid_stream_is_a_retryable_fault_the_sdk_does_not_retry() -> None:
    # What the loop needs, not which class the SDK picks: anthropic <= 2.12 let the transport's
    # RemoteProtocolError through, 2.17 wraps it in APIConnectionError. Either way our fault
    # classifier must call it retryable, and the SDK itself must not have retried mid-stream.
    with FakeServer(script(drop(2, "you will not see the end"), text("after"))) as server:
        client = _client(server, retries=2)
        with pytest.raises((anthropic.APIConnectionError, httpx2.TransportError)) as info:
            _stream(client)
        assert len(server.requests()) == 1
        fault = classify(info.value)
        assert fault is not None and fault.retryable, fault
        assert _stream(client).content[0].type == "text"
        assert len(server.requests()) == 2


def test_drop_before_the_headers_is_a_connection_error_the_sdk_retries() -> None:
    with FakeServer(script(drop(0), drop(0), text("third time lucky"))) as server:
        with pytest.raises(anthropic.APIConnectionError):
            _client(server).messages.create(model="m", max_tokens=5, messages=USER)
        message = _client(server, retries=1).messages.create(model="m", max_tokens=5, messages=USER)
    assert message.content[0].type == "text"


def test_exhausted_script_answers_500_with_a_reason() -> None:
    with FakeServer(script(text("only one"))) as server:
        client = _client(server)
        _stream(client)
        with pytest.raises(anthropic.InternalServerError) as info:
            _stream(client)
    assert info.value.status_code == 500
    assert "script exhausted" in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {
                "messages": [
                    *USER,
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {}}
                        ],
                    },
                    {"role": "user", "content": "no result here"},
                ]
            },
            "without `tool_result`",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9"}]}
                ]
            },
            "unexpected `tool_use_id`",
        ),
        ({"messages": [*USER, {"role": "user", "content": "again"}]}, "alternate"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, "first message"),
        ({"tools": [{"name": "bash"}]}, "input_schema"),
    ],
)
def test_invalid_requests_get_400(overrides: dict[str, Any], fragment: str) -> None:
    with FakeServer(script(text("never sent"))) as server:
        with pytest.raises(anthropic.BadRequestError) as info:
            _stream(_client(server), **overrides)
        # a rejected request consumes no scripted response
        assert _stream(_client(server)).content[0].type == "text"
    assert fragment in str(info.value)


def _post(url: str, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url + "/v1/messages", data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_missing_max_tokens_key_or_version_are_rejected() -> None:
    good = {"anthropic-version": "2023-06-01", "content-type": "application/json"}
    body = {"model": "m", "messages": USER}
    with FakeServer(script(text("x"))) as server:
        status, answer = _post(server.url, body, {**good, "x-api-key": "k"})
        unauth_status, unauth = _post(server.url, {**body, "max_tokens": 5}, good)
        versionless, _ = _post(server.url, {**body, "max_tokens": 5}, {"x-api-key": "k"})
        bearer_status, _ = _post(
            server.url, {**body, "max_tokens": 5}, {**good, "authorization": "Bearer t"}
        )
    assert status == 400
    assert answer["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }
    assert unauth_status == 401
    assert unauth["error"]["type"] == "authentication_error"
    assert versionless == 400
    assert bearer_status == 200
