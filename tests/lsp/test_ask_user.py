"""The agent's `ask_user` question in the editor, end to end over stdio: the real engine, a real
temp git repo, the fake Messages API server and real pytest checks. A plain LSP client gets
window/showMessageRequest with the choices as actions; a client that renders the custom request
(the extension) gets `roadmapd/askUser` and may answer in its own words. The answer reaches the
model as the tool result; the question is in the transcript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from roadmapd.agent.questions import NO_ANSWER
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import CMD_RUN_TASK, REQUEST_ASK_USER

from . import engine_session
from .conftest import eventually
from .engine_session import GOOD, Editor, project, session

pytestmark = pytest.mark.timeout(90)
CREATE = tool_use(
    "str_replace_based_edit_tool", {"command": "create", "path": "calc.py", "file_text": GOOD}
)
CHOOSE = tool_use("ask_user", {"question": "Ints or floats?", "choices": ["ints", "floats"]})
FREE = tool_use("ask_user", {"question": "What should the module be called?"})


async def run_to_the_end(ed: Editor) -> str:
    started = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
    assert started["ok"], started
    return str(
        await eventually(
            lambda: ed.status("T01") in ("committed", "failed") and ed.status("T01"),
            "T01 to finish",
            timeout=60,
        )
    )


def tool_results(api: FakeServer) -> list[dict[str, Any]]:
    """The last tool result of each request after the first, in order."""
    return [r["body"]["messages"][-1]["content"][-1] for r in api.requests()[1:]]


async def test_a_plain_client_answers_with_show_message_request(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    asked: list[types.ShowMessageRequestParams] = []
    with FakeServer(script(CHOOSE, FREE, CREATE, text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:

            @ed.client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
            def ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
                asked.append(params)
                return types.MessageActionItem(title="floats")

            assert await run_to_the_end(ed) == "committed"
            assert "ask_user" in [t["name"] for t in api.requests()[0]["body"]["tools"]]
            results = tool_results(api)
            await eventually(
                lambda: any(t["kind"] == "error" for t in ed.transcript), "the no-answer line"
            )
    (question,) = asked  # the free question cannot be put as actions: not asked
    assert question.message == "roadmapd: T01 asks: Ints or floats?"
    assert [a.title for a in question.actions or []] == ["ints", "floats"]
    assert results[0]["content"] == "The user answered: floats"
    assert results[1]["content"] == NO_ANSWER
    lines = [t["text"] for t in ed.transcript]
    assert "ask_user: Ints or floats? [choices: ints | floats]" in lines
    errors = [t["text"] for t in ed.transcript if t["kind"] == "error"]
    assert any("needs a typed answer" in e for e in errors), errors


async def test_the_extension_renders_the_custom_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def renders_questions(name: str) -> types.ClientCapabilities:
        caps = client_capabilities(name)
        caps.experimental = {"roadmapd": {"askUser": True}}
        return caps

    monkeypatch.setattr(engine_session, "client_capabilities", renders_questions)
    root = tmp_path / "repo"
    project(root)
    asked: list[Any] = []
    answers: list[dict[str, Any]] = [{"answer": "floats, please"}, {"answer": None}]
    with FakeServer(script(CHOOSE, FREE, CREATE, text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:

            @ed.client.feature(REQUEST_ASK_USER)
            def ask(params: Any) -> dict[str, Any]:
                asked.append(params)
                return answers.pop(0)

            assert await run_to_the_end(ed) == "committed"
            results = tool_results(api)
            uri = ed.uri
    first, second = (
        p._asdict() for p in asked
    )  # pygls makes an unknown method's params a namedtuple
    assert first["taskId"] == "T01" and first["uri"] == uri
    assert first["question"] == "Ints or floats?" and first["choices"] == ["ints", "floats"]
    assert second["question"] == "What should the module be called?" and second["choices"] == []
    assert results[0]["content"] == "The user answered: floats, please"
    assert results[1]["content"] == NO_ANSWER
