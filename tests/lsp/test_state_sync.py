"""Throttled task-state notifications: transitions go out at once, phases are merged per
window, the latest state always arrives, nothing is left pending at shutdown."""

from __future__ import annotations

from roadmapd.server.state_sync import StateSync
from roadmapd_protocol import TaskState

from .conftest import eventually

URI = "file:///repo/ROADMAP.md"


def state(status: str, phase: str = "", attempt: int = 1, task: str = "T1") -> TaskState:
    return TaskState(uri=URI, taskId=task, title=task, status=status, attempt=attempt, phase=phase)  # type: ignore[arg-type]


class Client:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, int]] = []
        self.refreshes = 0

    def send(self, s: TaskState) -> None:
        self.sent.append((s.taskId, s.status, s.phase, s.attempt))

    def refresh(self) -> None:
        self.refreshes += 1


async def test_transitions_go_out_at_once_and_phases_merge() -> None:
    client = Client()
    sync = StateSync(client.send, client.refresh, window=3600)  # the timer never fires here
    sync.push(state("running", "starting"))
    for turn in range(1, 30):
        sync.push(state("running", f"agent turn {turn}"))
    assert client.sent == [("T1", "running", "starting", 1)]
    sync.push(state("queued", "queued", attempt=0, task="T2"))  # the document's batch goes now
    assert client.sent[1:] == [("T1", "running", "agent turn 29", 1), ("T2", "queued", "queued", 0)]
    del client.sent[1:]
    sync.push(state("running", "agent turn 1", attempt=2))  # a new attempt is a transition
    sync.push(state("verifying", "verifying", attempt=2))
    sync.push(state("committed", attempt=2))
    assert client.sent[1:] == [
        ("T1", "running", "agent turn 1", 2),
        ("T1", "verifying", "verifying", 2),
        ("T1", "committed", "", 2),
    ]
    assert client.refreshes == 5  # one per batch


async def test_the_latest_phase_arrives_after_the_window() -> None:
    client = Client()
    sync = StateSync(client.send, client.refresh, window=0.05)
    sync.push(state("running", "starting"))
    sync.push(state("running", "agent turn 1"))
    sync.push(state("running", "agent turn 2"))
    await eventually(lambda: ("T1", "running", "agent turn 2", 1) in client.sent, "the batch")
    assert ("T1", "running", "agent turn 1", 1) not in client.sent
    assert client.sent[0] == ("T1", "running", "starting", 1)


async def test_flush_all_sends_what_is_pending() -> None:
    client = Client()
    sync = StateSync(client.send, client.refresh, window=3600)
    sync.push(state("running", "starting"))
    sync.push(state("running", "agent turn 7"))
    sync.flush_all()
    assert client.sent[-1] == ("T1", "running", "agent turn 7", 1)
    sync.flush_all()
    assert len(client.sent) == 2 and client.refreshes == 2


def test_without_a_loop_every_state_is_sent() -> None:
    client = Client()
    sync = StateSync(client.send, client.refresh)
    sync.push(state("running", "a"))
    sync.push(state("running", "b"))
    assert [s[2] for s in client.sent] == ["a", "b"]
