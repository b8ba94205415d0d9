"""Commits carry nothing surprising: a large file the agent wrote is not committed silently."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from roadmapd.testing.script import script, text, tool_use

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI installs it)"
)
CONFIG = 'max_attempts = 1\nevidence = "none"\n[[checks]]\nname = "ok"\nrun = "python -c pass"\n'


@pytest.mark.parametrize("allow", [False, True])
def test_a_large_file_needs_allow_large(make_repo: Any, one_task_roadmap: str, allow: bool) -> None:
    repo = make_repo(one_task_roadmap, files={"roadmapd.toml": CONFIG})
    session = script(
        tool_use("bash", {"command": "head -c 12000000 /dev/urandom > dump.bin"}),
        text("Added the data."),
    )
    run = repo.run(session, "--task", "sub", *(["--allow-large"] if allow else []))
    out = run.stdout + run.stderr
    if allow:
        assert run.returncode == 0, out
        assert "dump.bin" in repo.git("show", "--stat", "HEAD")
    else:
        assert run.returncode == 1, out
        assert "needs your approval to be committed: dump.bin: a 11.4 MB file" in out
        assert repo.commits() == ["initial"]
        assert (repo.path / "dump.bin").exists()  # the user's tree keeps it, for them to judge
