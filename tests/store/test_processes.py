"""Real processes against one state folder: a SIGKILLed run, concurrent writers, torn writes."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

from roadmapd.engine import TaskStatus
from roadmapd.store import StateStore

RUN_THEN_HANG = """
import sys, time
from pathlib import Path
from roadmapd.engine import TaskStatus
from roadmapd.store import StateStore
from roadmapd.store.owner import current_owner

def running(state):
    state.status = TaskStatus.RUNNING
    state.checkpoint_ref = "refs/roadmapd/checkpoints/T1/1"
    state.checkpoint_commit = "c0ffee"
    state.owner = current_owner()

StateStore(Path(sys.argv[1])).update("T1", running)
print("running", flush=True)
time.sleep(60)
"""

INCREMENT = """
import sys
from pathlib import Path
from roadmapd.store import StateStore

store = StateStore(Path(sys.argv[1]))
me = sys.argv[2]

def bump(state):
    state.attempts += 1
    state.reason = f"last writer {me}"

for _ in range(int(sys.argv[3])):
    store.update("shared", bump)
    store.update(f"own-{me}", bump)
"""

REWRITE_FOREVER = """
import sys
from pathlib import Path
from roadmapd.store import StateStore

store = StateStore(Path(sys.argv[1]))
print("writing", flush=True)
n = 0
while True:
    n += 1
    store.update("T1", lambda s: s.model_copy(update={"attempts": n, "reason": "x" * 200_000}))
"""


def test_killed_run_is_interrupted_after_restart(store: StateStore, python: Any) -> None:
    proc = python.popen(RUN_THEN_HANG)
    assert proc.stdout.readline().strip() == "running"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)  # reaps it and closes the pipes

    recovery = StateStore(store.repo).recover()  # a fresh daemon starting up

    assert recovery.interrupted == ("T1",)
    state = store.load("T1")
    assert state is not None and state.status is TaskStatus.INTERRUPTED
    assert (state.checkpoint_ref, state.checkpoint_commit) == (
        "refs/roadmapd/checkpoints/T1/1",
        "c0ffee",
    )


def test_concurrent_writers_lose_no_update(store: StateStore, python: Any) -> None:
    writers, rounds = 4, 20
    procs = [python.popen(INCREMENT, str(i), str(rounds)) for i in range(writers)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err

    shared = store.load("shared")
    assert shared is not None and shared.attempts == writers * rounds
    for i in range(writers):
        own = store.load(f"own-{i}")
        assert own is not None and own.attempts == rounds
    for path in store.paths.tasks_dir.iterdir():
        json.loads(path.read_text())  # every file is whole JSON
    assert store.warnings == []


def test_kill_during_writes_never_leaves_a_torn_file(store: StateStore, python: Any) -> None:
    proc = python.popen(REWRITE_FOREVER)
    assert proc.stdout.readline().strip() == "writing"
    deadline = time.monotonic() + 10
    while store.load("T1") is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)  # reaps it and closes the pipes

    recovery = StateStore(store.repo).recover()
    state = store.load("T1")

    assert state is not None and state.attempts >= 1 and len(state.reason or "") == 200_000
    assert not any("unreadable" in w for w in recovery.warnings)
    assert not any(p.name.startswith(".tmp-") for p in store.paths.tasks_dir.iterdir())
