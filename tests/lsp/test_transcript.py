"""One run reads the same everywhere: what the editor streams live, what its "Show Log" shows
and what `roadmapd log` prints come from one renderer over the same events. Over stdio with the
real engine, a real temp git repo, the fake Messages API and real pytest checks; the CLI is the
real `python -m roadmapd log`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from roadmapd.store import ENV_STATE_DIR
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd.transcript import Line, as_text
from roadmapd_protocol import CMD_RUN_TASK, CMD_SHOW_LOG

from .conftest import GIT_ENV, eventually
from .engine_session import BAD, project, session

pytestmark = pytest.mark.timeout(90)
EDITOR = "str_replace_based_edit_tool"


def edit(command: dict[str, Any]) -> dict[str, Any]:
    return tool_use(EDITOR, command)


def live_lines(transcript: list[dict[str, Any]]) -> list[Line]:
    """The editor's live lines, the model's coalesced text pieces joined as the log joins them."""
    lines: list[Line] = []
    for t in transcript:
        if t["kind"] == "text" and lines and lines[-1][0] == "text":
            lines[-1] = ("text", lines[-1][1] + t["text"])
        else:
            lines.append((t["kind"], t["text"]))
    return [(kind, body.strip() if kind == "text" else body) for kind, body in lines]


async def test_the_live_transcript_show_log_and_roadmapd_log_say_the_same(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    state = tmp_path / "state"
    project(root)
    fix = {"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"}
    fake = script(
        edit({"command": "create", "path": "calc.py", "file_text": BAD}),
        text("Wrote calc.add."),
        edit(fix),
        text("Fixed calc.add."),
    )
    with FakeServer(fake) as api:
        async with session(root, api.url, state, open_doc=False) as ed:
            ref = {"uri": ed.uri, "taskId": "T01"}
            await ed.execute(CMD_RUN_TASK, ref)
            await eventually(
                lambda: any(
                    t.startswith("status passed -> committed") for _, t in live_lines(ed.transcript)
                ),
                "the live 'committed' line",
                45,
            )
            live = live_lines(ed.transcript)
            for _ in range(100):  # the run log is written by a worker thread: until it is whole
                shown = await ed.execute(CMD_SHOW_LOG, ref)
                if shown.endswith("[status] run finished\n"):
                    break
                await asyncio.sleep(0.05)
    env = {**os.environ, **GIT_ENV, ENV_STATE_DIR: str(state)}
    printed = subprocess.run(
        [sys.executable, "-m", "roadmapd", "log", "T01"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    # Show Log and `roadmapd log`: the same text, to the character
    assert printed == shown
    # ... and that text is the live lines written down, between the run's first and last line
    first, *body, last = shown.splitlines(keepends=True)
    assert first.startswith("[status] run ") and " started " in first
    assert last == "[status] run finished\n"
    assert "".join(body) == "".join(as_text(line) + "\n" for line in live)
    # what the run was: two attempts, the failed check's problem, the model's words, the cost
    kinds = {kind for kind, _ in live}
    assert kinds == {"status", "tool_call", "tool_result", "check", "text"}
    assert ("text", "Wrote calc.add.") in live and ("text", "Fixed calc.add.") in live
    assert ("status", "attempt 2 of 2 (continue)") in live
    assert any(k == "check" and t.startswith("test_calc.py:5:") for k, t in live), live
    assert any(k == "tool_call" and t.startswith(f"{EDITOR}: {{") for k, t in live), live
    finished = [t for k, t in live if t.startswith("agent finished (end_turn)")]
    assert len(finished) == 2 and all(" tokens, $0." in t for t in finished), finished
