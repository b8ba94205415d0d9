"""The engine with the real store as its sink and status lookup (ports for agent/git stay fakes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadmapd.engine import Event, TaskEngine, TaskStatus
from roadmapd.store import StateStore
from roadmapd.store.recorder import StateRecorder


async def test_state_and_log_follow_the_run_and_survive_a_restart(
    harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROADMAPD_STATE_DIR", str(tmp_path / "state"))
    h = harness
    h.verifier.reports = [h.failing(), h.passing()]
    store = StateStore(tmp_path)
    recorder = StateRecorder(store)
    seen: list[Event] = []

    def sink(event: Event) -> None:
        seen.append(event)
        recorder(event)

    def engine() -> TaskEngine[Any, Any]:
        return TaskEngine(
            agent=h.agent,
            verifier=h.verifier,
            git=h.git,
            checkbox=h.checkbox,
            sink=sink,
            lookup=store.status_of,
        )

    t1, t2 = h.Task("T1", title="First"), h.Task("T2", depends=("T1",))
    result = await engine().run([t1])

    state = store.load("T1")
    assert state is not None
    assert (state.status, state.attempts, state.turns) == (TaskStatus.COMMITTED, 2, 2)
    assert state.last_run_id == result.run_id and state.title == "First"
    assert len(store.read_run_log(result.run_id).records) == len(seen)

    restarted = engine()  # a new daemon: T1 is unticked in this roadmap but committed in state
    assert restarted.status("T1") is TaskStatus.COMMITTED
    assert restarted.not_runnable_reason(t2, [t1, t2]) is None
    second = await restarted.run([t2], all_tasks=[t1, t2])
    assert second.outcome("T2").status is TaskStatus.COMMITTED
    recorder.close()
