"""A task that stopped on the agent's question in a headless run (`roadmapd run` without a
terminal) is answered from the editor: the real CLI leaves it `needs_input`, then the real
daemon over stdio shows the lens "… · Answer…"; its command asks the question
(window/showMessageRequest for a plain client) and continues the saved conversation with the
answer, to the commit. The fake Messages API serves both processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from roadmapd.store import ENV_STATE_DIR
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import CMD_ANSWER_TASK

from .conftest import GIT_ENV, eventually
from .engine_session import GOOD, Editor, git, project, session

pytestmark = pytest.mark.timeout(120)
CHOOSE = tool_use("ask_user", {"question": "Ints or floats?", "choices": ["ints", "floats"]})
CREATE = tool_use(
    "str_replace_based_edit_tool", {"command": "create", "path": "calc.py", "file_text": GOOD}
)
KEY = "sk-test-key-0123456789"


async def lenses_once(ed: Editor, line: int, first: str) -> list[str]:
    """The lenses of `line` once the first one starts with `first`."""
    for _ in range(100):
        found = (await ed.lenses()).get(line, [])
        if found and found[0].startswith(first):
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"line {line}: no lens starting {first!r}; last: {found}")


async def test_the_answer_lens_continues_a_headless_question(tmp_path: Path) -> None:
    root, state = tmp_path / "repo", tmp_path / "state"
    project(root)
    asked: list[types.ShowMessageRequestParams] = []
    with FakeServer(script(CHOOSE, CREATE, text("Added calc.add."))) as api:
        env = {
            **os.environ,
            **GIT_ENV,
            "ANTHROPIC_BASE_URL": api.url,
            "ANTHROPIC_API_KEY": KEY,
            ENV_STATE_DIR: str(state),
        }
        headless = subprocess.run(
            [sys.executable, "-m", "roadmapd.cli", "run", "--task", "T01"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert headless.returncode == 4, headless.stdout + headless.stderr
        async with session(root, api.url, state) as ed:

            @ed.client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
            def ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
                asked.append(params)
                return types.MessageActionItem(title="floats")

            shown = await lenses_once(ed, 2, "? ")
            answered = await ed.execute(CMD_ANSWER_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert answered["ok"], answered
            await eventually(lambda: ed.status("T01") == "committed", "T01 committed", timeout=60)
            again = await ed.execute(CMD_ANSWER_TASK, {"uri": ed.uri, "taskId": "T01"})
        bodies = [r["body"] for r in api.requests()]
    assert shown == [
        "? Ints or floats? [choices: ints | floats] · Answer…",
        "↻ Start over",
        "⟲ Roll back",
    ]
    (question,) = asked
    assert question.message == "roadmapd: T01 asks: Ints or floats?"
    assert [a.title for a in question.actions or []] == ["ints", "floats"]
    first, resumed = bodies[0]["messages"], bodies[1]["messages"]
    assert resumed[0] == first[0]  # the same conversation, taken up
    result = resumed[-1]["content"][-1]
    assert result["type"] == "tool_result" and result["content"] == "The user answered: floats"
    assert not again["ok"] and "T01 has no question to answer (it is committed)" in again["message"]
    assert git(root, "log", "--format=%s").splitlines()[0].startswith("Add calc.add")
