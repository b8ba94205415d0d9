"""`StateRecorder`: the event sink that writes the run logs and keeps the task states.

Every engine event becomes one line of its run's JSONL log; the events that change what is
known about a task (status, checkpoint, attempt, agent totals, checks, commit) update its
state file. Both are written from the JSON form (`event_to_json`), so the API key redaction
applies to state files as much as to logs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from roadmapd.engine.events import Event
from roadmapd.engine.serialize import event_to_json
from roadmapd.statuses import ACTIVE, TaskStatus
from roadmapd.store.models import ProblemModel, TaskRecord, UsageModel
from roadmapd.store.owner import current_owner
from roadmapd.store.questions import save_question
from roadmapd.store.runlog import RunLog
from roadmapd.store.state import StateStore

Apply = Callable[[TaskRecord, dict[str, Any]], None]


class StateRecorder:
    """Call it with every engine event (it is an `EventSink`); `close()` at shutdown."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._logs: dict[str, RunLog] = {}
        self._owner = current_owner()

    def __call__(self, event: Event) -> None:
        doc = event_to_json(event)
        run_id = doc["run_id"]
        run_log = self._logs.get(run_id)
        if run_log is None:
            run_log = self._logs[run_id] = self.store.open_run_log(run_id)
        if doc["type"] == "InputNeeded":  # the conversation goes to its own file, not the log
            save_question(self.store.paths, doc)
            doc = {k: v for k, v in doc.items() if k != "conversation"}
        run_log.append(doc)
        apply = _APPLY.get(doc["type"])
        if doc["type"] == "AgentActivity" and doc["event"]["type"] != "AgentFinished":
            apply = None  # text deltas and tool calls go to the log only
        if apply is not None:
            if doc["type"] == "TaskStatusChanged":
                doc["owner"] = self._owner
            self.store.update(doc["task_id"], lambda state: apply(state, doc))
        if doc["type"] in ("RunFinished", "RolledBack"):
            self._logs.pop(run_id).close()

    def close(self) -> None:
        for run_log in self._logs.values():
            run_log.close()
        self._logs.clear()


def _status(state: TaskRecord, doc: dict[str, Any]) -> None:
    status, at = TaskStatus(doc["status"]), datetime.fromisoformat(doc["at"])
    if status is TaskStatus.QUEUED:
        state.last_run_id = doc["run_id"]
    if status is TaskStatus.RUNNING and doc["previous"] == TaskStatus.QUEUED.value:
        state.started_at, state.finished_at, state.duration_s = at, None, None
        state.attempts, state.turns, state.usage = 0, 0, UsageModel()
        state.review_usage = UsageModel()
        state.problems, state.commit, state.evidence = [], None, []
        state.question, state.choices = None, []
        state.checkpoint_ref = state.checkpoint_commit = None
    previous, rolled_back = TaskStatus(doc["previous"]), TaskStatus.ROLLED_BACK
    state.rolled_back_from = previous if status is rolled_back else None
    if status is TaskStatus.REGRESSED:
        state.regressed_from = previous
    elif previous is TaskStatus.REGRESSED:
        state.regressed_from = None
    # A rollback of a finished task, and its undo, are no run: the run's times stay as they were.
    outside_a_run = previous is rolled_back or (status is rolled_back and previous not in ACTIVE)
    # a re-verify (regressed, or cleared) is no run of the task either; its log is the last one
    if TaskStatus.REGRESSED in (status, previous):
        outside_a_run = True
        state.last_run_id = doc["run_id"]
    state.owner = doc["owner"] if status in ACTIVE else None
    if status not in ACTIVE and not outside_a_run:
        state.finished_at = at
        if state.started_at is not None and state.last_run_id == doc["run_id"]:
            state.duration_s = (at - state.started_at).total_seconds()
    state.status, state.reason = status, doc["reason"]
    state.attempts = max(state.attempts, doc["attempt"])


def _queued(state: TaskRecord, doc: dict[str, Any]) -> None:
    state.title = doc["title"]


def _checkpoint(state: TaskRecord, doc: dict[str, Any]) -> None:
    state.checkpoint_ref, state.checkpoint_commit = doc["ref"], doc["commit"]


def _attempt(state: TaskRecord, doc: dict[str, Any]) -> None:
    state.attempts = doc["attempt"]


def _agent(state: TaskRecord, doc: dict[str, Any]) -> None:
    event = doc["event"]
    if event["type"] == "AgentFinished":
        state.turns += event["turns"]
        state.usage = state.usage.add(event["usage"])
        state.total_usage = state.total_usage.add(event["usage"])


def _review(state: TaskRecord, doc: dict[str, Any]) -> None:
    state.review_usage = state.review_usage.add(doc["usage"])
    state.total_usage = state.total_usage.add(doc["usage"])


def _question(state: TaskRecord, doc: dict[str, Any]) -> None:
    state.question, state.choices = doc["question"], list(doc["choices"])


def _checks(state: TaskRecord, doc: dict[str, Any]) -> None:
    state.problems = [ProblemModel.model_validate(p) for p in doc["problems"]]


def _evidence(state: TaskRecord, doc: dict[str, Any]) -> None:
    if doc["passed"]:
        state.evidence = list(doc.get("tests", []))


def _committed(state: TaskRecord, doc: dict[str, Any]) -> None:
    state.commit = doc["commit"]


_APPLY: dict[str, Apply] = {
    "ReviewFinished": _review,
    "TaskStatusChanged": _status,
    "TaskQueued": _queued,
    "CheckpointCreated": _checkpoint,
    "AttemptStarted": _attempt,
    "AgentActivity": _agent,
    "ChecksFinished": _checks,
    "EvidenceChecked": _evidence,
    "Committed": _committed,
    "InputNeeded": _question,
}
