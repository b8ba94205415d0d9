"""Test hooks: custom requests that drive the engine-facing APIs over the wire.

Registered only when the environment has ROADMAPD_TEST_HOOKS=1 (the end-to-end tests and the
benchmark set it; users never do). They let a test push a task state, tick a box through the
CheckboxWriter, publish check problems, drive a work-done progress, and install an engine port
that records its calls, all through the real server process.
"""

from __future__ import annotations

import os
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd_protocol import (
    CheckpointEntry,
    CheckpointsResult,
    CommandResult,
    DiffResult,
    RollbackResult,
    TaskState,
)

from .diagnostics import DiagnosticsPublisher
from .documents import Documents
from .edits import CheckboxWriter
from .engine_port import EngineDoor
from .progress import ProgressReporter
from .rpc.protocol import plain
from .task_states import InMemoryTaskStates, TaskStates

ENV = "ROADMAPD_TEST_HOOKS"


class RecordingEnginePort:
    """An engine port that only records what it was asked (the real one comes from the engine)."""

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

    async def answer(self, uri: str, task_id: str) -> CommandResult:
        self.calls.append(["answer", uri, task_id])
        return CommandResult(ok=True, message=f"answered {task_id}", taskIds=[task_id])

    async def reverify(self, uri: str | None) -> CommandResult:
        self.calls.append(["reverify", uri])
        return CommandResult(ok=True, message="re-verified")

    async def pause(self) -> CommandResult:
        self.calls.append(["pause"])
        return CommandResult(ok=True, message="pausing")

    async def resume(self) -> CommandResult:
        self.calls.append(["resume"])
        return CommandResult(ok=True, message="resuming")


def _arg(params: Any, name: str) -> Any:
    value = plain(params).get(name) if params is not None else None
    if value is None:
        raise JsonRpcInvalidParams(f"debug hook: missing {name!r}")
    return value


def _task(documents: Documents, params: Any) -> tuple[str, Any]:
    uri = _arg(params, "uri")
    parsed = documents.get(uri)
    task = parsed.roadmap.task(_arg(params, "taskId")) if parsed is not None else None
    if task is None:
        raise JsonRpcInvalidParams("debug hook: unknown task")
    return uri, task


class TestHooks:
    """The test hooks, given the collaborators they drive."""

    def __init__(
        self,
        documents: Documents,
        states: TaskStates,
        diagnostics: DiagnosticsPublisher,
        progress: ProgressReporter,
        checkbox: CheckboxWriter,
        engine: EngineDoor,
    ) -> None:
        self._documents, self._states, self._diagnostics = documents, states, diagnostics
        self._progress, self._checkbox, self._engine = progress, checkbox, engine

    def register(self, server: LanguageServer) -> None:
        if os.environ.get(ENV) != "1":
            return
        recorder = RecordingEnginePort()
        documents, states, diagnostics = self._documents, self._states, self._diagnostics
        task_progress, checkbox, engine = self._progress, self._checkbox, self._engine

        @server.feature("roadmapd/debug/useRecordingEnginePort")
        async def use_recorder(params: Any) -> list[list[Any]]:
            engine.use(recorder)
            return recorder.calls

        @server.feature("roadmapd/debug/setState")
        async def set_state(params: Any) -> None:
            assert isinstance(states, InMemoryTaskStates)
            states.update(TaskState.model_validate(_arg(params, "state")))

        @server.feature("roadmapd/debug/setChecked")
        async def set_checked(params: Any) -> dict[str, Any]:
            uri = _arg(params, "uri")
            outcome = await checkbox.set_checked(
                uri, _arg(params, "taskId"), _arg(params, "checked")
            )
            return {"applied": outcome.applied, "where": outcome.where, "message": outcome.message}

        @server.feature("roadmapd/debug/checkProblems")
        async def check_problems(params: Any) -> None:
            uri, task = _task(documents, params)
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
                diagnostics.publish_check_problems(uri, task, problems)
            else:
                diagnostics.clear_task(uri, task.id)

        @server.feature("roadmapd/debug/progress")
        async def progress(params: Any) -> str | None:
            uri, task = _task(documents, params)
            action = _arg(params, "action")
            if action == "begin":
                return await task_progress.begin(uri, task.id, task.title)
            if action == "report":
                task_progress.report(uri, task.id, _arg(params, "message"))
            else:
                task_progress.end(uri, task.id, "done")
            return task_progress.token(uri, task.id)

        @server.feature("roadmapd/debug/calls")
        async def calls(params: Any) -> list[list[Any]]:
            return recorder.calls
