"""Run logs (one JSON line per event, tolerant reader) and the recorder that keeps task states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roadmapd.agent.events import AgentFinished, TextDelta, Usage
from roadmapd.engine import (
    AgentActivity,
    AttemptStarted,
    CheckpointCreated,
    ChecksFinished,
    Committed,
    RunFinished,
    RunStarted,
    TaskOutcome,
    TaskQueued,
    TaskStatus,
    TaskStatusChanged,
)
from roadmapd.problems import Problem, Range
from roadmapd.store import StateStore, StoreError
from roadmapd.store.recorder import StateRecorder

KEY = "sk-ant-test-secret-0123456789"


def test_reader_tolerates_a_truncated_last_line(store: StateStore) -> None:
    with store.open_run_log("run-1") as log:
        log.append({"type": "RunStarted", "n": 1})
        log.append({"type": "TaskQueued", "n": 2})
    with store.paths.run_log("run-1").open("a") as f:
        f.write('{"type": "TaskStatusChanged", "st')  # killed mid-line

    contents = store.read_run_log("run-1")

    assert [r["n"] for r in contents.records] == [1, 2]
    assert contents.truncated_tail and contents.bad_lines == ()


def test_reader_skips_bad_lines_and_keeps_a_whole_last_line(store: StateStore) -> None:
    path = store.paths.run_log("run-2")
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"n": 1}\n\xff\xfe garbage\n[1, 2]\n{"n": 4}')

    contents = store.read_run_log("run-2")

    assert [r["n"] for r in contents.records] == [1, 4]
    assert contents.bad_lines == (2, 3) and not contents.truncated_tail
    with pytest.raises(StoreError, match="no event log for run 'nope'"):
        store.read_run_log("nope")


def test_recorder_keeps_state_and_log(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    t0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    usage = Usage(input_tokens=100, output_tokens=20, cost_usd=0.03)
    problem = Problem("E501 line too long", Range.of_line(2), source="ruff", file="a.py")
    common = {"run_id": "r1", "task_id": "T1"}

    def status(
        s: TaskStatus, prev: TaskStatus, at: datetime, reason: str | None = None
    ) -> TaskStatusChanged:
        return TaskStatusChanged(**common, status=s, previous=prev, attempt=1, reason=reason, at=at)

    events = [
        RunStarted(run_id="r1", task_ids=("T1",), at=t0),
        status(TaskStatus.QUEUED, TaskStatus.IDLE, t0),
        TaskQueued(**common, title="Add a parser", position=1, at=t0),
        status(TaskStatus.RUNNING, TaskStatus.QUEUED, t0),
        CheckpointCreated(**common, ref="refs/roadmapd/checkpoints/T1/1", commit="c0ffee"),
        AttemptStarted(**common, attempt=1, max_attempts=3, mode="first"),
        AgentActivity(**common, attempt=1, event=TextDelta(f"key={KEY}")),
        AgentActivity(**common, attempt=1, event=AgentFinished("end_turn", "", 4, usage)),
        status(TaskStatus.VERIFYING, TaskStatus.RUNNING, t0),
        ChecksFinished(
            **common, attempt=1, passed=True, summary="ok", problems=(problem,), results=()
        ),
        status(TaskStatus.PASSED, TaskStatus.VERIFYING, t0),
        Committed(**common, commit="abc123", files=("a.py",)),
        status(TaskStatus.COMMITTED, TaskStatus.PASSED, t0 + timedelta(seconds=42), f"note {KEY}"),
        RunFinished(run_id="r1", outcomes=(TaskOutcome("T1", TaskStatus.COMMITTED),)),
    ]
    recorder = StateRecorder(store)
    for event in events:
        recorder(event)
    recorder.close()

    state = store.load("T1")
    assert state is not None
    assert (state.status, state.title, state.commit) == (
        TaskStatus.COMMITTED,
        "Add a parser",
        "abc123",
    )
    assert (state.attempts, state.turns, state.duration_s) == (1, 4, 42.0)
    assert state.usage.cost_usd == pytest.approx(0.03) and state.total_usage.output_tokens == 20
    assert state.checkpoint_ref == "refs/roadmapd/checkpoints/T1/1"
    assert state.problems[0].to_problem() == problem
    assert state.owner is None and state.last_run_id == "r1"
    assert store.last_run_id("T1") == "r1"
    contents = store.read_run_log("r1")
    assert len(contents.records) == len(events) and not contents.truncated_tail
    everything = store.paths.run_log("r1").read_text() + store.paths.task_file("T1").read_text()
    assert KEY not in everything and "[redacted]" in everything


def test_a_rollback_and_its_undo_keep_the_status_before_and_the_run(store: StateStore) -> None:
    """What undo gives back survives the process (`rolled_back_from`); the undo itself leaves
    the task's run (times, duration) as it was; a new run clears it."""
    t0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    recorder = StateRecorder(store)

    def status(run: str, s: TaskStatus, prev: TaskStatus, at: datetime) -> None:
        recorder(
            TaskStatusChanged(run_id=run, task_id="T1", status=s, previous=prev, attempt=1, at=at)
        )

    status("r1", TaskStatus.QUEUED, TaskStatus.IDLE, t0)
    status("r1", TaskStatus.RUNNING, TaskStatus.QUEUED, t0)
    status("r1", TaskStatus.FAILED, TaskStatus.RUNNING, t0 + timedelta(seconds=5))
    status("r2", TaskStatus.ROLLED_BACK, TaskStatus.FAILED, t0 + timedelta(hours=1))
    rolled = store.load("T1")
    assert rolled is not None and rolled.rolled_back_from is TaskStatus.FAILED
    status("r3", TaskStatus.FAILED, TaskStatus.ROLLED_BACK, t0 + timedelta(hours=2))
    undone = store.load("T1")
    assert undone is not None and undone.status is TaskStatus.FAILED
    assert undone.rolled_back_from is None
    assert undone.finished_at == t0 + timedelta(seconds=5) and undone.duration_s == 5.0
    status("r4", TaskStatus.ROLLED_BACK, TaskStatus.FAILED, t0 + timedelta(hours=3))
    status("r5", TaskStatus.QUEUED, TaskStatus.ROLLED_BACK, t0 + timedelta(hours=4))
    requeued = store.load("T1")
    assert requeued is not None and requeued.rolled_back_from is None
    recorder.close()
