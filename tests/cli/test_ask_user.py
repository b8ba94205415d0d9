"""The agent's `ask_user` question at the terminal: `roadmapd run` as a real subprocess whose
stdin is a pseudo-terminal, the fake Messages API, a real git repository. A number picks a
choice, and the answer reaches the model as the tool result; the question and the answer are in
`roadmapd log`. Without a terminal the tool is not offered at all."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from io import StringIO
from typing import Any

from roadmapd.console.approval import ConsoleApproval
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

from .conftest import MakeRepo

QUESTION = {"question": "Name it subtract or sub?", "choices": ["subtract", "sub"]}
SUBTRACT = "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"
TEST = "\n\ndef test_subtract():\n    assert calc.subtract(5, 3) == 2\n"


def session(edit: Any) -> dict[str, Any]:
    return script(
        tool_use("ask_user", QUESTION),
        edit("calc.py", "    return a + b\n", SUBTRACT),
        edit("test_calc.py", "== 5\n", "== 5\n" + TEST),
        text("Done."),
    )


def test_a_question_is_answered_at_the_terminal(
    make_repo: MakeRepo, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    master, slave = pty.openpty()
    try:
        os.write(master, b"1\n")  # typed ahead: the terminal keeps the line until it is read
        with FakeServer(session(edit)) as api:
            done = subprocess.run(
                [sys.executable, "-m", "roadmapd.cli", "run", "--task", "sub"],
                cwd=repo.path,
                env={**repo.env, "ANTHROPIC_BASE_URL": api.url},
                stdin=slave,
                capture_output=True,
                text=True,
                timeout=120,
            )
            bodies = [r["body"] for r in api.requests()]
    finally:
        os.close(master)
        os.close(slave)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The agent of sub asks:\n  Name it subtract or sub?\n  1) subtract\n  2) sub" in (
        done.stderr
    )
    assert "ask_user" in [t["name"] for t in bodies[0]["tools"]]
    result = bodies[1]["messages"][-1]["content"][-1]
    assert result["type"] == "tool_result" and result["content"] == "The user answered: subtract"
    assert repo.commits() == ["Add subtract", "initial"]
    log = repo.cli("log", "sub").stdout
    assert "ask_user: Name it subtract or sub? [choices: subtract | sub]" in log
    assert "ask_user: The user answered: subtract" in log


def test_without_a_terminal_the_tool_is_not_offered(
    make_repo: MakeRepo, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    with FakeServer(session(edit)) as api:
        done = repo.cli("run", "--task", "sub", env={"ANTHROPIC_BASE_URL": api.url})
        bodies = [r["body"] for r in api.requests()]
    assert "ask_user" not in [t["name"] for t in bodies[0]["tools"]]
    result = bodies[1]["messages"][-1]["content"][-1]
    assert result["is_error"] and "unknown tool 'ask_user'" in result["content"]
    assert done.returncode == 0, done.stdout + done.stderr  # the agent went on without asking
    assert "asks:" not in done.stderr


async def test_the_terminal_reads_a_number_words_or_nothing() -> None:
    typed = iter(["2\n", "  call it minus \n", "\n", "7\n"])
    out = StringIO()
    gate = ConsoleApproval(yes=True, interactive=True, out=out, read_line=lambda: next(typed))
    choices = ("subtract", "sub")
    assert await gate.ask_user("sub", "Which name?", choices) == "sub"
    assert await gate.ask_user("sub", "Which name?", choices) == "call it minus"
    assert await gate.ask_user("sub", "Anything else?", ()) is None
    assert await gate.ask_user("sub", "Which name?", choices) == "7"  # not a choice: words
    assert "(your answer; empty: no answer) > " in out.getvalue()
