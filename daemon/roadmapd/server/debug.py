"""Test hooks: custom requests that drive the engine-facing APIs over the wire.

Registered only when the environment has ROADMAPD_TEST_HOOKS=1 (the end-to-end tests and the
benchmark set it; users never do). They let a test push a task state, tick a box through the
CheckboxWriter, publish check problems, drive a work-done progress, and install a controller
that records its calls, all through the real server process.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd_protocol import (
    CheckpointEntry,
    CheckpointsResult,
    CommandResult,
    DiffResult,
    RollbackResult,
    TaskState,
)

from .protocol_fast import plain
from .states import TaskStateStore

if TYPE_CHECKING:
    from .app import RoadmapServer

ENV = "ROADMAPD_TEST_HOOKS"


class RecordingController:
    """A controller that only records what it was asked (the real one comes from the engine)."""

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []

    async def run(self, uri: str, task_ids: list[str]) -> CommandResult:
        self.calls.append(["run", uri, task_ids])
        return CommandResult(ok=True, message=f"queued {len(task_ids)}", taskIds=task_ids)

    async def retry(self, uri: str, task_id: str) -> CommandResult:
        self.calls.append(["retry", uri, task_id])
        return CommandResult(ok=True, message="retrying", taskIds=[task_id])

    async def cancel(self, uri: str, task_id: str) -> CommandResult:
        self.calls.append(["cancel", uri, task_id])
        return CommandResult(ok=True, message="cancelled", taskIds=[task_id])

    async def rollback(self, uri: str, task_id: str, force: bool) -> RollbackResult:
        self.calls.append(["rollback", uri, task_id, force])
        return RollbackResult(ok=True, message="rolled back", method="none")

    async def undo_rollback(self) -> RollbackResult:
        self.calls.append(["undo_rollback"])
        return RollbackResult(ok=True, message="nothing to undo", method="none")

    async def show_log(self, uri: str, task_id: str) -> str:
        self.calls.append(["show_log", uri, task_id])
        return f"log of {task_id}"

    async def checkpoints(self, uri: str | None) -> CheckpointsResult:
        self.calls.append(["checkpoints", uri])
        entry = CheckpointEntry(taskId="T1", title="t", createdAt=0.0, ref="r", commit="c")
        return CheckpointsResult(checkpoints=[entry])

    async def approve(self, uri: str, task_id: str) -> CommandResult:
        self.calls.append(["approve", uri, task_id])
        return CommandResult(ok=True, message=f"approved {task_id}", taskIds=[task_id])

    async def reject(self, uri: str, task_id: str) -> CommandResult:
        self.calls.append(["reject", uri, task_id])
        return CommandResult(ok=True, message=f"rejected {task_id}", taskIds=[task_id])

    async def diff(self, uri: str, task_id: str) -> DiffResult:
        self.calls.append(["diff", uri, task_id])
        return DiffResult(ok=True, message=f"diff of {task_id}", diff="")


def _arg(params: Any, name: str) -> Any:
    value = plain(params).get(name) if params is not None else None
    if value is None:
        raise JsonRpcInvalidParams(f"debug hook: missing {name!r}")
    return value


def _task(ls: RoadmapServer, params: Any) -> tuple[str, Any]:
    uri = _arg(params, "uri")
    parsed = ls.documents.get(uri)
    task = parsed.roadmap.task(_arg(params, "taskId")) if parsed is not None else None
    if task is None:
        raise JsonRpcInvalidParams("debug hook: unknown task")
    return uri, task


def register(ls: RoadmapServer) -> None:
    if os.environ.get(ENV) != "1":
        return
    recorder = RecordingController()

    @ls.feature("roadmapd/debug/useRecordingController")
    async def use_recorder(ls: RoadmapServer, params: Any) -> list[list[Any]]:
        ls.engine.use(recorder)
        return recorder.calls

    @ls.feature("roadmapd/debug/setState")
    async def set_state(ls: RoadmapServer, params: Any) -> None:
        assert isinstance(ls.states, TaskStateStore)
        ls.states.update(TaskState.model_validate(_arg(params, "state")))

    @ls.feature("roadmapd/debug/setChecked")
    async def set_checked(ls: RoadmapServer, params: Any) -> dict[str, Any]:
        uri = _arg(params, "uri")
        outcome = await ls.checkbox.set_checked(
            uri, _arg(params, "taskId"), _arg(params, "checked")
        )
        return {"applied": outcome.applied, "where": outcome.where, "message": outcome.message}

    @ls.feature("roadmapd/debug/checkProblems")
    async def check_problems(ls: RoadmapServer, params: Any) -> None:
        uri, task = _task(ls, params)
        problems = [
            Problem(
                message=p["message"],
                range=Range(Position(p["line"], 0), Position(p["line"], 1)),
                severity=Severity.ERROR,
                source=p["source"],
                file=p["file"],
            )
            for p in _arg(params, "problems")
        ]
        if problems:
            ls.diagnostics.publish_check_problems(uri, task, problems)
        else:
            ls.diagnostics.clear_task(uri, task.id)

    @ls.feature("roadmapd/debug/progress")
    async def progress(ls: RoadmapServer, params: Any) -> str | None:
        uri, task = _task(ls, params)
        action = _arg(params, "action")
        if action == "begin":
            return await ls.task_progress.begin(uri, task.id, task.title)
        if action == "report":
            ls.task_progress.report(uri, task.id, _arg(params, "message"))
        else:
            ls.task_progress.end(uri, task.id, "done")
        return ls.task_progress.token(uri, task.id)

    @ls.feature("roadmapd/debug/calls")
    async def calls(ls: RoadmapServer, params: Any) -> list[list[Any]]:
        return recorder.calls
