"""Two processes on one repository: a git operation waits while another process holds the
working tree's lock (a `roadmapd rollback` in a terminal next to the daemon committing)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from vcs_helpers import GitRepo

from roadmapd.vcs import GitWorkspace
from roadmapd.vcs.workspace import LOCK_NAME

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()  # hold it until the test says so
open(sys.argv[2], "w").write("released")
os.close(fd)
"""


async def test_a_checkpoint_waits_for_another_process_holding_the_lock(
    repo: GitRepo, tmp_path: Path
) -> None:
    marker = tmp_path / "released"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(repo.root / ".git" / LOCK_NAME), str(marker)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        job = asyncio.create_task(GitWorkspace(repo.root).checkpoint("t1", "a task"))
        done, _ = await asyncio.wait([job], timeout=1.0)
        assert not done, "the checkpoint ran while another process held the lock"
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        checkpoint = await asyncio.wait_for(job, 30)
        assert marker.read_text() == "released"  # it ran only after the other process let go
        assert repo.git("rev-parse", checkpoint.ref) == checkpoint.commit
    finally:
        holder.kill()
        holder.wait()
