"""The `ask_user` tool end to end: the real SDK against the fake Messages API. Offered only when
someone can answer; the question (and its choices) reaches the face's `AskUser`, the answer goes
back as the tool result (redacted like every user block) and both show in the transcript; a bad
call is an error result the model can act on; the turn limit still applies. Headless
(`ASK_LATER`) a question ends the stream `needs_input`; the snapshot taken up in another
session continues with the answer as the pending call's result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from roadmapd.agent.events import AgentEvent, AgentFinished, ToolCall, ToolResult
from roadmapd.agent.questions import ASK_LATER, ASK_USER, NO_ANSWER
from roadmapd.agent.session import AgentSession
from roadmapd.engine.events import AgentActivity
from roadmapd.engine.serialize import event_to_json
from roadmapd.testing.harness import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd.transcript import describe

from .conftest import API_KEY, MakeSettings

QUESTION = "Should divide() return floats or raise on integers?"
CHOICES = ["floats", "raise"]


class Person:
    """The face's side: records each question and answers from a list (None = dismissed)."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    async def __call__(self, question: str, choices: tuple[str, ...]) -> str | None:
        self.asked.append((question, choices))
        return self.answers.pop(0)


async def converse(workspace: Path, settings: Any, person: Person | None) -> list[AgentEvent]:
    session = AgentSession(workspace, settings, api_key=API_KEY, ask_user=person)
    try:
        return [e async for e in session.send("Add divide()")]
    finally:
        await session.aclose()


def tool_names(body: dict[str, Any]) -> list[str]:
    return [t["name"] for t in body["tools"]]


def last_result(body: dict[str, Any]) -> dict[str, Any]:
    block = body["messages"][-1]["content"][-1]
    assert block["type"] == "tool_result"
    return block


async def test_the_question_reaches_the_person_and_the_answer_the_model(
    workspace: Path, make_settings: MakeSettings
) -> None:
    replies = script(
        tool_use(ASK_USER, {"question": QUESTION, "choices": CHOICES}, text="One question"),
        tool_use(ASK_USER, {"question": "And the key?"}),
        tool_use(ASK_USER, {"question": "Anything else?"}),
        text("Done"),
    )
    person = Person("floats", f"it is {API_KEY}", None)
    with FakeServer(replies) as api:
        events = await converse(workspace, make_settings(api.url), person)
        bodies = [r["body"] for r in api.requests()]
    assert person.asked == [
        (QUESTION, ("floats", "raise")),
        ("And the key?", ()),
        ("Anything else?", ()),
    ]
    assert ASK_USER in tool_names(bodies[0])
    assert last_result(bodies[1])["content"] == "The user answered: floats"
    assert not last_result(bodies[1])["is_error"]
    assert API_KEY not in str(bodies[2]) and "[redacted]" in last_result(bodies[2])["content"]
    assert last_result(bodies[3])["content"] == NO_ANSWER
    assert isinstance(events[-1], AgentFinished) and events[-1].outcome == "end_turn"

    lines = [
        line
        for e in events
        if isinstance(e, (ToolCall, ToolResult))
        for line in describe(
            event_to_json(AgentActivity(run_id="r", task_id="t", attempt=1, event=e))
        )
    ]
    assert lines[0] == ("tool_call", f"ask_user: {QUESTION} [choices: floats | raise]")
    assert lines[1] == ("tool_result", "ask_user: The user answered: floats")


async def test_not_offered_without_a_person_and_bad_calls_are_errors(
    workspace: Path, make_settings: MakeSettings
) -> None:
    replies = script(tool_use(ASK_USER, {"question": "Which one?"}), text("Guessing"))
    with FakeServer(replies) as api:
        await converse(workspace, make_settings(api.url), None)
        bodies = [r["body"] for r in api.requests()]
    assert ASK_USER not in tool_names(bodies[0])
    assert last_result(bodies[1])["is_error"]
    assert "unknown tool 'ask_user'" in last_result(bodies[1])["content"]

    person = Person()
    replies = script(
        tool_use(ASK_USER, {"question": "  "}),
        tool_use(ASK_USER, {"question": "Which?", "choices": [str(i) for i in range(9)]}),
        tool_use(ASK_USER, {"question": "Which?", "choices": "a, b"}),
        text("Giving up on questions"),
    )
    with FakeServer(replies) as api:
        await converse(workspace, make_settings(api.url), person)
        bodies = [r["body"] for r in api.requests()]
    assert person.asked == []
    errors = [last_result(b) for b in bodies[1:]]
    assert all(e["is_error"] for e in errors)
    assert "'question' must be a non-empty string" in errors[0]["content"]
    assert "at most 8 choices" in errors[1]["content"]
    assert "'choices' must be a list" in errors[2]["content"]


async def test_the_turn_limit_still_applies(workspace: Path, make_settings: MakeSettings) -> None:
    replies = script(*[tool_use(ASK_USER, {"question": f"Q{i}?"}) for i in range(3)])
    person = Person("a", "b", "c")
    with FakeServer(replies) as api:
        events = await converse(workspace, make_settings(api.url, max_turns=2), person)
    done = events[-1]
    assert isinstance(done, AgentFinished) and done.outcome == "max_turns"
    assert [q for q, _ in person.asked] == ["Q0?", "Q1?"]


def calls(*blocks: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    """A reply with several tool calls: (id, name, input) each."""
    content = [{"type": "tool_use", "id": i, "name": n, "input": inp} for i, n, inp in blocks]
    return {"content": content, "stop_reason": "tool_use"}


VIEW = "str_replace_based_edit_tool"


async def test_headless_a_question_ends_the_stream_and_an_answer_continues_it(
    workspace: Path, make_settings: MakeSettings
) -> None:
    (workspace / "notes.txt").write_text("hello\n", encoding="utf-8")
    replies = script(
        calls(
            ("toolu_a", VIEW, {"command": "view", "path": "notes.txt"}),
            ("toolu_q", ASK_USER, {"question": QUESTION, "choices": CHOICES}),
            ("toolu_b", VIEW, {"command": "view", "path": "."}),
        ),
        text("Done"),
    )
    with FakeServer(replies) as api:
        settings = make_settings(api.url)
        first = AgentSession(workspace, settings, api_key=API_KEY, ask_user=ASK_LATER)
        asked = [e async for e in first.send("Add divide()")]
        saved = json.loads(json.dumps(first.snapshot()))  # what the store keeps: plain JSON
        await first.aclose()
        second = AgentSession(workspace, settings, api_key=API_KEY, ask_user=ASK_LATER)
        second.restore(saved)
        went_on = [e async for e in second.answer("raise")]
        await second.aclose()
        bodies = [r["body"] for r in api.requests()]
    finished = asked[-1]
    assert isinstance(finished, AgentFinished) and finished.outcome == "needs_input"
    assert finished.reason == f"{QUESTION} [choices: floats | raise]"
    results = {e.id: e for e in asked if isinstance(e, ToolResult)}
    assert set(results) == {"toolu_a", "toolu_b"}  # the question itself is not answered yet
    assert "hello" in results["toolu_a"].output and not results["toolu_a"].is_error
    assert (
        results["toolu_b"].is_error and "waited for the user's answer" in results["toolu_b"].output
    )
    assert saved["pending"] == {"tool_use_id": "toolu_q", "text": QUESTION, "choices": CHOICES}
    assert ASK_USER in tool_names(bodies[0]) and tool_names(bodies[1]) == tool_names(bodies[0])
    answered = bodies[1]["messages"][-1]["content"]
    assert [b["tool_use_id"] for b in answered] == ["toolu_a", "toolu_b", "toolu_q"]
    assert answered[-1]["content"] == "The user answered: raise"
    assert isinstance(went_on[-1], AgentFinished) and went_on[-1].outcome == "end_turn"


async def test_a_message_instead_of_an_answer_closes_the_question(
    workspace: Path, make_settings: MakeSettings
) -> None:
    replies = script(tool_use(ASK_USER, {"question": QUESTION}, id="toolu_q"), text("Done"))
    with FakeServer(replies) as api:
        session = AgentSession(
            workspace, make_settings(api.url), api_key=API_KEY, ask_user=ASK_LATER
        )
        [e async for e in session.send("Add divide()")]
        assert session.pending is not None
        [e async for e in session.send("Go on without asking.")]
        await session.aclose()
        bodies = [r["body"] for r in api.requests()]
    closed, told = bodies[1]["messages"][-1]["content"]
    assert closed["tool_use_id"] == "toolu_q" and closed["is_error"]
    assert told["type"] == "text" and told["text"] == "Go on without asking."
    assert session.pending is None
