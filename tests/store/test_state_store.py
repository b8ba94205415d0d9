"""Task state files: paths, round trips, corrupt and foreign files, recovery."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from roadmapd.engine import TaskStatus
from roadmapd.store import StatePaths, StateStore, StoreError, TaskRecord, repo_key, state_root
from roadmapd.store.owner import current_owner


def test_paths_live_under_the_env_override_keyed_by_repo(repo: Path, tmp_path: Path) -> None:
    assert state_root() == tmp_path / "state"
    key = repo_key(repo)
    assert key.startswith("my-project-") and len(key) == len("my-project-") + 12
    other = tmp_path / "elsewhere" / "my project"
    other.mkdir(parents=True)
    assert repo_key(other) != key  # same name, other path
    paths = StatePaths.for_repo(repo)
    assert paths.dir == tmp_path / "state" / "repos" / key
    assert paths.task_file("T1").name == "T1.json"
    weird = paths.task_file("../../etc/passwd")
    assert weird.parent == paths.tasks_dir and weird.name.endswith(".json")
    assert paths.task_file("a/b") != paths.task_file("a_b")
    with pytest.raises(ValueError, match="invalid run id"):
        paths.run_log("../x")


def test_update_load_all_round_trip(store: StateStore) -> None:
    def start(state: TaskRecord) -> None:
        state.status = TaskStatus.FAILED
        state.reason = "checks failed"
        state.last_run_id = "run-1"

    store.update("T1", start)
    store.update("T2", lambda s: s.model_copy(update={"status": TaskStatus.COMMITTED}))

    loaded = store.load("T1")
    assert loaded is not None and loaded.reason == "checks failed"
    assert loaded.schema_version == 1 and loaded.updated_at is not None
    assert store.status_of("T2") is TaskStatus.COMMITTED
    assert store.status_of("T3") is None
    assert store.last_run_id("T1") == "run-1"
    assert set(store.all()) == {"T1", "T2"}
    doc = json.loads(store.paths.task_file("T1").read_text())
    assert doc["status"] == "failed"


def test_corrupt_file_is_moved_aside_with_a_warning(store: StateStore) -> None:
    store.update("T1", lambda s: None)
    path = store.paths.task_file("T1")
    path.write_text('{"task_id": "T1", "status": "runn')

    assert store.load("T1") is None
    (aside,) = path.parent.glob("T1.json.corrupt-*")
    assert aside.read_text() == '{"task_id": "T1", "status": "runn'
    assert "moved aside" in store.warnings[-1]
    state = store.update("T1", lambda s: None)  # and the store goes on
    assert state.status is TaskStatus.IDLE


def test_invalid_values_count_as_corrupt(store: StateStore) -> None:
    store.paths.tasks_dir.mkdir(parents=True)
    store.paths.task_file("T1").write_text('{"task_id": "T1", "status": "exploded"}')

    assert store.all() == {}
    assert "unreadable task state" in store.warnings[-1]


def test_newer_schema_is_left_untouched(store: StateStore) -> None:
    store.paths.tasks_dir.mkdir(parents=True)
    path = store.paths.task_file("T1")
    path.write_text('{"schema_version": 99, "task_id": "T1"}')

    assert store.load("T1") is None
    assert "newer roadmapd" in store.warnings[-1]
    with pytest.raises(StoreError, match="schema 99"):
        store.update("T1", lambda s: None)
    assert path.read_text() == '{"schema_version": 99, "task_id": "T1"}'


def test_recover_interrupts_tasks_of_dead_processes_only(store: StateStore) -> None:
    def running(owner: str) -> object:
        def fn(state: TaskRecord) -> None:
            state.status = TaskStatus.RUNNING
            state.checkpoint_ref = "refs/roadmapd/checkpoints/x/1"
            state.owner = owner

        return fn

    host = current_owner().split(":")[0]
    store.update("dead", running(f"{host}:{2**22 + 7}:1"))  # no such pid
    store.update("mine", running(current_owner()))
    store.update("queued", lambda s: s.model_copy(update={"status": TaskStatus.QUEUED}))
    store.paths.tasks_dir.joinpath(".tmp-leftover.json").write_text("{")

    recovery = store.recover()

    assert sorted(recovery.interrupted) == ["dead", "queued"]
    dead = store.load("dead")
    assert dead is not None and dead.status is TaskStatus.INTERRUPTED
    assert dead.checkpoint_ref == "refs/roadmapd/checkpoints/x/1"
    assert dead.reason == "roadmapd stopped while the task was running"
    assert store.status_of("mine") is TaskStatus.RUNNING
    assert any(".tmp-leftover" in w for w in recovery.warnings)
    assert not any(p.name.startswith(".tmp-") for p in store.paths.tasks_dir.iterdir())


def test_state_dir_defaults_to_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROADMAPD_STATE_DIR", raising=False)
    assert state_root().name == "roadmapd"
    assert os.fspath(state_root()) != ""
