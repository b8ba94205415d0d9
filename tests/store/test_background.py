"""The state writer runs off the event loop: a held state lock must not block the engine's sink."""

from __future__ import annotations

from roadmapd.engine import RunFinished, TaskStatus, TaskStatusChanged
from roadmapd.files import file_lock
from roadmapd.store import StateStore
from roadmapd.store.background import BackgroundSinks
from roadmapd.store.recorder import StateRecorder


def _status(status: TaskStatus, previous: TaskStatus) -> TaskStatusChanged:
    return TaskStatusChanged(
        run_id="r1", task_id="T1", status=status, previous=previous, attempt=0, reason=None
    )


def test_a_held_lock_does_not_block_the_sink_and_order_is_kept(store: StateStore) -> None:
    recorder = StateRecorder(store)
    writer = BackgroundSinks(store.status_of)
    sink = writer.sink([recorder])
    steps = [
        (TaskStatus.QUEUED, TaskStatus.IDLE),
        (TaskStatus.RUNNING, TaskStatus.QUEUED),
        (TaskStatus.VERIFYING, TaskStatus.RUNNING),
        (TaskStatus.FAILED, TaskStatus.VERIFYING),
    ]
    with file_lock(store.paths.lock_file):  # another process holds the state lock
        for status, previous in steps:
            sink(_status(status, previous))  # returns: the write waits on the worker
        sink(RunFinished(run_id="r1", outcomes=()))
        assert store.load("T1") is None  # nothing could be written yet
        assert writer.status_of("T1") is TaskStatus.FAILED  # the engine still sees the latest
        assert not writer.flush(timeout=0.05)

    assert writer.flush(timeout=30)
    state = store.load("T1")
    assert state is not None and state.status is TaskStatus.FAILED  # last write won: in order
    assert writer.status_of("T1") is TaskStatus.FAILED  # now from the store
    types = [r["type"] for r in store.read_run_log("r1").records]
    assert types == ["TaskStatusChanged"] * 4 + ["RunFinished"]


def test_close_writes_what_is_queued_and_later_events_are_dropped(store: StateStore) -> None:
    writer = BackgroundSinks(store.status_of)
    sink = writer.sink([StateRecorder(store)])
    sink(_status(TaskStatus.QUEUED, TaskStatus.IDLE))
    writer.close()
    assert store.status_of("T1") is TaskStatus.QUEUED
    sink(_status(TaskStatus.RUNNING, TaskStatus.QUEUED))
    assert writer.status_of("T1") is TaskStatus.QUEUED and writer.flush(timeout=1)


def test_a_failing_sink_is_logged_and_the_next_one_still_runs(store: StateStore) -> None:
    seen: list[str] = []

    def broken(event: object) -> None:
        raise OSError("disk full")

    writer = BackgroundSinks(store.status_of)
    writer.sink([broken, lambda e: seen.append(type(e).__name__)])(
        _status(TaskStatus.QUEUED, TaskStatus.IDLE)
    )
    writer.close()
    assert seen == ["TaskStatusChanged"]
