"""The agent's `ask_user` question at the terminal: `roadmapd run` as a real subprocess whose
stdin is a pseudo-terminal, the fake Messages API, a real git repository. A number picks a
choice, and the answer reaches the model as the tool result; the question and the answer are in
`roadmapd log`. Without a terminal the question ends the task `needs_input` (exit 4) and
`roadmapd answer` continues the same conversation with the answer."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from io import StringIO
from typing import Any

from roadmapd.console.approval import ConsoleApproval
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

from .conftest import CONFIG, SECRET, MakeRepo

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


def test_without_a_terminal_the_question_waits_and_answer_continues_the_conversation(
    make_repo: MakeRepo, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    env = {"ANTHROPIC_BASE_URL": ""}
    with FakeServer(session(edit)) as api:
        env["ANTHROPIC_BASE_URL"] = api.url
        asked = repo.cli("run", "--task", "sub", env=env)
        first = [r["body"] for r in api.requests()]
        status = repo.cli("status", "--json").stdout
        commits_before_answer = repo.commits()
        saved = [p for p in repo.state_files() if p.parent.name == "questions"]
        not_yet = repo.cli("answer", "sub", env=env)  # no terminal, no answer given
        answered = repo.cli("answer", "sub", "1", env=env)
        later = [r["body"] for r in api.requests()][len(first) :]
    assert asked.returncode == 4, asked.stdout + asked.stderr
    assert "sub: needs_input" in asked.stdout
    assert "needs input: Name it subtract or sub? [choices: subtract | sub]" in asked.stdout
    assert 'roadmapd answer sub "your answer"' in asked.stdout
    assert len(first) == 1 and "ask_user" in [t["name"] for t in first[0]["tools"]]
    assert commits_before_answer == ["initial"]
    (row,) = [t for t in json.loads(status) if t["id"] == "sub"]
    assert row["status"] == "needs_input"
    assert row["question"] == "Name it subtract or sub?"
    assert len(saved) == 1 and SECRET not in saved[0].read_text()
    assert not_yet.returncode == 2
    assert 'give the answer: roadmapd answer sub "…"' in not_yet.stderr
    assert "Name it subtract or sub? (choices: subtract | sub)" in not_yet.stderr
    assert answered.returncode == 0, answered.stdout + answered.stderr
    # the same conversation: the first request's messages, then the answer as the tool result
    resumed = later[0]["messages"]
    assert resumed[0] == first[0]["messages"][0]
    call = resumed[1]["content"][-1]
    assert call["type"] == "tool_use" and call["name"] == "ask_user"
    (result,) = resumed[2]["content"]
    assert result["tool_use_id"] == call["id"]
    assert result["content"] == "The user answered: subtract" and not result["is_error"]
    assert repo.commits() == ["Add subtract", "initial"]
    assert repo.cli("status", "--json").returncode == 0
    log = repo.cli("log", "sub").stdout
    assert "(answer)\n[status] to the model: the user's answer: subtract" in log


def test_questions_never_offers_no_tool_and_the_agent_goes_on(
    make_repo: MakeRepo, edit: Any, one_task_roadmap: str
) -> None:
    config = 'questions = "never"\n' + CONFIG.format(attempts=2)
    repo = make_repo(one_task_roadmap, files={"roadmapd.toml": config})
    with FakeServer(session(edit)) as api:
        done = repo.cli("run", "--task", "sub", env={"ANTHROPIC_BASE_URL": api.url})
        bodies = [r["body"] for r in api.requests()]
    assert "ask_user" not in [t["name"] for t in bodies[0]["tools"]]
    result = bodies[1]["messages"][-1]["content"][-1]
    assert result["is_error"] and "unknown tool 'ask_user'" in result["content"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert repo.commits() == ["Add subtract", "initial"]


def test_answer_refuses_a_task_that_asked_nothing(
    make_repo: MakeRepo, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    done = repo.cli("answer", "sub", "yes")
    assert done.returncode == 2
    assert "sub is never run: it has no question to answer (roadmapd run sub runs it)" in (
        done.stderr
    )
    assert repo.commits() == ["initial"]


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
