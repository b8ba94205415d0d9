"""PR mode from the editor: the real daemon over stdio runs a task with `commit_mode = "pr"`;
the task is committed to `roadmap/<task>` off main and pushed to a local bare remote, the
buffer's box stays open (sync ticks it after the merge), and the hover shows the push."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lsprotocol import types

from roadmapd.store.paths import StatePaths
from roadmapd.store.published import load
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import CMD_RUN_TASK

from .conftest import eventually
from .engine_session import GOOD, git, project, session

pytestmark = pytest.mark.timeout(90)


async def test_a_task_run_in_pr_mode_is_pushed_and_left_unticked(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    toml = root / "roadmapd.toml"
    toml.write_text('commit_mode = "pr"\n' + toml.read_text(encoding="utf-8"))
    git(root, "commit", "-qam", "PR mode")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(root, "remote", "add", "origin", str(bare))
    main = git(root, "rev-parse", "HEAD").strip()
    branch = git(root, "symbolic-ref", "--short", "HEAD").strip()
    args = {"command": "create", "path": "calc.py", "file_text": GOOD}
    state = tmp_path / "state"
    paths = StatePaths.for_repo(root, state)
    edit = tool_use("str_replace_based_edit_tool", args)
    with FakeServer(script(edit, text("Added calc.add."))) as api:
        async with session(root, api.url, state) as ed:
            started = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert started["ok"], started
            await eventually(lambda: ed.status("T01") == "committed", "T01 committed", 60)
            record = await eventually(lambda: load(paths, "T01"), "the PR-mode record", 30)
            assert record.pushed, record
            hover = await ed.client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(ed.uri), types.Position(2, 8))
            )
            assert hover is not None and isinstance(hover.contents, types.MarkupContent)
            assert "pushed: yes to origin/roadmap/T01" in hover.contents.value
            assert "- [ ] T01" in ed.text  # no tick in the buffer
            assert not ed.seen["edits"]
    pushed = subprocess.run(
        ["git", f"--git-dir={bare}", "log", "-1", "--format=%P%n%B", "roadmap/T01"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert pushed.splitlines()[0] == main and "Roadmap-Task: T01" in pushed
    assert git(root, "rev-parse", "HEAD").strip() == main  # the checkout's branch is untouched
    assert git(root, "symbolic-ref", "--short", "HEAD").strip() == branch
    assert "- [ ] T01" in (root / "ROADMAP.md").read_text(encoding="utf-8")
