"""FakeServers: each task's agent gets its own script behind one URL (real SDK over HTTP)."""

from __future__ import annotations

import anthropic
import pytest

from roadmapd.testing.router import FakeServers, task_named
from roadmapd.testing.script import script, text


def ask(client: anthropic.Anthropic, first_message: str) -> str:
    reply = client.messages.create(
        model="claude-x", max_tokens=100, messages=[{"role": "user", "content": first_message}]
    )
    return "".join(b.text for b in reply.content if b.type == "text")


def test_requests_reach_the_script_of_the_task_they_name() -> None:
    scripts = {"a": script(text("from a"), text("a again")), "b": script(text("from b"))}
    with FakeServers(scripts) as api:
        client = anthropic.Anthropic(base_url=api.url, api_key="test-key", max_retries=0)
        assert ask(client, "Task b: write b.py") == "from b"
        assert ask(client, "Task a: write a.py") == "from a"
        assert ask(client, "Task a: write a.py") == "a again"
        with pytest.raises(anthropic.NotFoundError, match="no script for the task"):
            ask(client, "no task named here")
    assert len(api.requests("a")) == 2 and len(api.requests("b")) == 1


def test_task_named_reads_the_first_user_message() -> None:
    assert task_named(b'{"messages": [{"role": "user", "content": "Task T1.2: x"}]}') == "T1.2"
    blocks = b'{"messages": [{"content": [{"type": "text", "text": "Task x: y"}]}]}'
    assert task_named(blocks) == "x"
    assert task_named(b"not json") is None and task_named(b'{"messages": []}') is None
