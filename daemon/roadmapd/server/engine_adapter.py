"""The engine port (`EnginePort`) implemented with the task engine of the workspace: the engine
adapter.

Built by the composition root (`app.py`) once the client is initialised and this module is
imported, with the editor-side collaborators it needs: the workspace comes from the root the
client sent, the settings from `Settings` (project file < initializationOptions <
workspace/configuration). Runs go into the background (tracked by the server): a command
answers at once with "started" or "queued". A configuration change applies to the next run
that starts while no run is in progress (the running engine keeps its settings).

The engine gets the editor's review gate and risky-command questions (`approval.py`). With
`max_parallel` > 1 the tasks of one run (run all, run section) work in parallel lanes, each with
its own lenses, progress and transcript; a run started while another is under way waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from roadmapd.agent.questions import AskFor
from roadmapd.config import Config, ConfigError
from roadmapd.containment.jail import UNSANDBOXED
from roadmapd.engine import ACTIVE, DONE, TaskEngine, TaskStatus
from roadmapd.engine.answer import Answer
from roadmapd.roadmap import DocumentTask
from roadmapd.store import StoreError
from roadmapd.transcript import log_text
from roadmapd.vcs import Checkpoint
from roadmapd.workspace import Workspace, WorkspaceError, sandbox_refusal
from roadmapd_protocol import (
    CheckpointEntry,
    CheckpointsResult,
    CommandResult,
    DiffResult,
    RollbackResult,
    TaskState,
)

from .approval import EditorApproval
from .background import Background
from .diagnostics import DiagnosticsPublisher
from .documents import Documents
from .edits import CheckboxWriter
from .event_view import EventView
from .pr_publish import PrPublisher
from .progress import ProgressReporter
from .rollback_answer import method_of, rollback_result
from .run_control import answer_for, record_pause, reverify_message, take_paused
from .settings import Settings
from .task_checkbox import EditorCheckbox
from .task_states import InMemoryTaskStates, TaskStates

log = logging.getLogger(__name__)


class EngineAdapter:
    """Opens the workspace in the background; every method waits for that first."""

    def __init__(
        self,
        *,
        client: LanguageServer,
        settings: Settings,
        documents: Documents,
        states: TaskStates,
        diagnostics: DiagnosticsPublisher,
        progress: ProgressReporter,
        checkbox: CheckboxWriter,
        refresh: Callable[[str], None],
        background: Background,
    ) -> None:
        self._client, self._settings, self._documents = client, settings, documents
        self._states, self._background = states, background
        self._ws: Workspace | None = None
        self._why = "roadmapd: the workspace is not open yet"
        store = states if isinstance(states, InMemoryTaskStates) else InMemoryTaskStates()
        self.view = EventView(client, store, diagnostics, progress, background, settings)
        self._checkbox = EditorCheckbox(client, checkbox, refresh)
        self.approval = EditorApproval(client, states)
        self._pr = PrPublisher(client)  # PR mode: push and open the PR after a run
        self._engine: TaskEngine[DocumentTask, Checkpoint] | None = None
        self._closing: set[asyncio.Task[None]] = set()  # old engines closing their batch
        self._config: Config | None = None
        self._runs: set[asyncio.Task[Any]] = set()
        self._undo: tuple[str, TaskState] | None = None  # the task rolled back, as it was shown
        self._opened = background.spawn(self._open(), "open the workspace")

    async def _open(self) -> None:
        root = self._settings.root
        if root is None:
            self._why = "roadmapd: the editor sent no workspace folder, so tasks cannot run"
            return
        try:
            self._ws = await asyncio.to_thread(Workspace.open, root)
        except (WorkspaceError, StoreError, ConfigError, OSError) as exc:
            self._why = f"roadmapd: tasks cannot run here: {exc}"
            self._client.window_show_message(
                types.ShowMessageParams(types.MessageType.Warning, self._why)
            )
            return
        await self.show_persisted()

    async def _workspace(self) -> Workspace | None:
        await asyncio.wait([self._opened])
        return self._ws

    # --- the engine, rebuilt for a new configuration when idle -------------------------------

    def _engine_now(self, ws: Workspace) -> TaskEngine[DocumentTask, Checkpoint]:
        config = self._settings.config
        idle = not self._runs
        if self._engine is None or (idle and config != self._config):
            if self._engine is not None:  # a batch's held conversation goes with the old one
                self._background_close(self._engine)
            _ = ws.recorder  # created once, shared by every engine of this workspace
            self._engine = ws.with_config(config).engine(
                self._checkbox,
                extra_sinks=[self.view, self._pr],
                approval=self.approval,
                ask_command=self.approval.ask_command,
                ask_user=self._asker(config),
                in_progress=self._marked_in_progress,
            )
            self._config = config
            self.view.max_turns = config.max_turns
            self.view.unsandboxed = config.sandbox == "off"
        return self._engine

    def _marked_in_progress(self, item: DocumentTask) -> bool:
        """Whether the task's file marks it in progress (Kiro's `[-]`)."""
        parsed = self._documents.get(item.uri)
        return parsed is not None and item.task.id in parsed.roadmap.in_progress

    def _asker(self, config: Config) -> AskFor | None:
        """Who answers the agents' questions: the editor, when it can and they may ask."""
        if config.questions == "never" or not self.approval.can_ask_user:
            return None
        return self.approval.ask_user

    def _tasks(
        self, uri: str, ids: Sequence[str]
    ) -> tuple[list[DocumentTask], tuple[DocumentTask, ...]]:
        """The tasks `ids` and every task of the roadmap at `uri`, each with its document."""
        parsed = self._documents.get(uri)
        if parsed is None:
            return [], ()
        for task in parsed.roadmap.tasks:
            self.view.follow(uri, task)
        found = [DocumentTask(uri, t) for i in ids if (t := parsed.roadmap.task(i)) is not None]
        return found, tuple(DocumentTask(uri, task) for task in parsed.roadmap.tasks)

    # --- EnginePort ---------------------------------------------------------------------------

    async def run(
        self, uri: str, task_ids: list[str], answers: dict[str, Answer] | None = None
    ) -> CommandResult:
        ws = await self._workspace()
        if ws is None:
            return CommandResult(ok=False, message=self._why, taskIds=[])
        if not task_ids:
            return CommandResult(ok=True, message="nothing to run: no pending task", taskIds=[])
        if (refusal := await sandbox_refusal(self._settings.config)) is not None:
            return CommandResult(ok=False, message=f"roadmapd: {refusal}", taskIds=[])
        tasks, all_tasks = self._tasks(uri, task_ids)
        engine = self._engine_now(ws)
        refused: list[str] = []
        runnable: list[DocumentTask] = []
        for task in tasks:
            status = engine.status(task.id)
            if status in ACTIVE:
                refused.append(f"{task.id} is already {status.value}")
            elif len(tasks) == 1 and (why := engine.not_runnable_reason(task, all_tasks)):
                refused.append(f"{task.id} cannot run: {why}")
            else:
                runnable.append(task)
        if not runnable:
            return CommandResult(ok=False, message="; ".join(refused), taskIds=[])
        busy = engine.running_task_ids
        name = f"run {', '.join(t.id for t in runnable)}"
        run = self._background.spawn(self._run(ws, engine, uri, runnable, all_tasks, answers), name)
        self._runs.add(run)
        run.add_done_callback(self._runs.discard)
        ids = [t.id for t in runnable]
        limit = engine.settings.max_parallel if engine.parallel else 1
        message = f"{start_verb(limit, busy)}: {', '.join(ids)}"
        message += f" ({'; '.join(refused)})" if refused else ""
        if engine.parallel:
            message += f" (up to {engine.settings.max_parallel} at a time, each in its worktree)"
        if self._settings.config.sandbox == "off":
            message += f" ({UNSANDBOXED})"
            warning = types.ShowMessageParams(types.MessageType.Warning, f"roadmapd: {UNSANDBOXED}")
            self._client.window_show_message(warning)
        return CommandResult(ok=True, message=message, taskIds=ids)

    async def _run(
        self,
        ws: Workspace,
        engine: TaskEngine[DocumentTask, Checkpoint],
        uri: str,
        tasks: list[DocumentTask],
        all_tasks: tuple[DocumentTask, ...],
        answers: dict[str, Answer] | None = None,
    ) -> None:
        """One run; in PR mode its committed tasks pushed with their PRs; its pause recorded;
        then (`verify_done = "on-run"`) the done tasks of its roadmap re-verified."""
        result = await engine.run(tasks, all_tasks=all_tasks, answers=answers)
        await self._pr.after_run(ws, self._config or self._settings.config, tasks, result)
        if result.paused:
            ids = list(result.paused)
            await asyncio.to_thread(record_pause, ws.store, ws.root, uri, result.run_id, ids)
        elif not result.cancelled and self._settings.config.verify_done == "on-run":
            await self.reverify(uri)

    async def pause(self) -> CommandResult:
        await self._workspace()
        engine = self._engine
        if engine is None or not engine.pause():
            return CommandResult(ok=False, message="no run under way to pause")
        busy = engine.running_task_ids
        under_way = f"{', '.join(busy)} finishes" if busy else "nothing is under way"
        return CommandResult(
            ok=True,
            message=f"pausing: {under_way}, no other task starts (Resume run continues)",
            taskIds=busy,
        )

    async def resume(self) -> CommandResult:
        ws = await self._workspace()
        if ws is None:
            return CommandResult(ok=False, message=self._why)
        found = await asyncio.to_thread(take_paused, ws.store, ws.root)
        if found is None:
            return CommandResult(ok=False, message="no paused run to resume")
        uri, ids = found
        await self._documents.scan()
        parsed = self._documents.get(uri)
        if parsed is None:
            return CommandResult(ok=False, message=f"the paused run's roadmap is gone: {uri}")
        left = [i for i in ids if (t := parsed.roadmap.task(i)) is not None and not t.checked]
        return await self.run(uri, left)

    async def reverify(self, uri: str | None) -> CommandResult:
        ws = await self._workspace()
        if ws is None:
            return CommandResult(ok=False, message=self._why)
        if (refusal := await sandbox_refusal(self._settings.config)) is not None:
            return CommandResult(ok=False, message=f"roadmapd: {refusal}")
        tasks: list[DocumentTask] = []
        for where in [uri] if uri is not None else await self._documents.scan():
            parsed = self._documents.get(where)
            ids = [t.id for t in parsed.roadmap.tasks] if parsed is not None else []
            tasks += ws.done_tasks(self._tasks(where, ids)[0])
        try:
            result = await ws.reverify(self._engine_now(ws), tasks)
        except WorkspaceError as exc:
            return CommandResult(ok=False, message=f"roadmapd: not re-verified: {exc}")
        ids = [r.task_id for r in result.rechecks]
        return CommandResult(ok=not result.regressed, message=reverify_message(result), taskIds=ids)

    async def retry(self, uri: str, task_id: str) -> CommandResult:
        return await self.run(uri, [task_id])

    async def answer(self, uri: str, task_id: str) -> CommandResult:
        ws = await self._workspace()
        if ws is None:
            return CommandResult(ok=False, message=self._why)
        status = self._engine_now(ws).status(task_id)
        found = await answer_for(ws.store, status, task_id, self.approval.ask_user)
        if isinstance(found, str):
            return CommandResult(ok=False, message=found)
        return await self.run(uri, [task_id], {task_id: found})

    async def cancel(self, uri: str, task_id: str) -> CommandResult:
        await self._workspace()
        if self._engine is None or not self._engine.cancel(task_id):
            return CommandResult(ok=False, message=f"{task_id} is not running or queued")
        return CommandResult(ok=True, message=f"cancelling {task_id}", taskIds=[task_id])

    async def rollback(self, uri: str, task_id: str, force: bool) -> RollbackResult:
        ws = await self._workspace()
        if ws is None:
            return RollbackResult(ok=False, message=self._why, method="none")
        tasks, all_tasks = self._tasks(uri, [task_id])
        if not tasks:
            return RollbackResult(ok=False, message=f"no task {task_id} in {uri}", method="none")
        engine = self._engine_now(ws)
        shown = self._states.get(uri, task_id)
        event = await engine.rollback(tasks[0], all_tasks=all_tasks, force=force)
        if event.done and shown is not None:
            self._undo = (task_id, shown)
        return rollback_result(event, all_tasks, task_id)

    async def undo_rollback(self) -> RollbackResult:
        ws = await self._workspace()
        if ws is None:
            return RollbackResult(ok=False, message=self._why, method="none")
        out = await self._engine_now(ws).undo_rollback()
        if not out.done:
            return RollbackResult(ok=False, message=out.reason or "nothing undone", method="none")
        undone, self._undo = self._undo, None
        if out.task_id:
            shown = undone[1] if undone is not None and undone[0] == out.task_id else None
            await self._reinstate(ws, out.task_id, shown)
        files = ", ".join(out.files[:10]) or "no files"
        return RollbackResult(
            ok=True,
            message=f"rollback undone ({out.method}): {files}",
            method=method_of(out.method),
            files=list(out.files),
            conflicts=list(out.conflicts),
            backupRef=out.backup_ref,
        )

    async def show_log(self, uri: str, task_id: str) -> str:
        ws = await self._workspace()
        if ws is None:
            return self._why
        store = ws.store

        def read() -> str:
            run_id = store.last_run_id(task_id)
            if run_id is None:
                return f"{task_id} has not run yet in this repository.\n"
            try:
                records = store.read_run_log(run_id).records
                return log_text(records, task_id, cost_estimated=self.view.cost_estimated)
            except StoreError as exc:
                return f"{exc}\n"

        return await asyncio.to_thread(read)

    async def checkpoints(self, uri: str | None) -> CheckpointsResult:
        ws = await self._workspace()
        if ws is None:
            return CheckpointsResult(checkpoints=[])
        infos = await ws.git.list_checkpoints()
        wanted: set[str] | None = None
        if uri is not None:
            parsed = self._documents.get(uri)
            wanted = {t.id for t in parsed.roadmap.tasks} if parsed is not None else set()
        return CheckpointsResult(
            checkpoints=[
                CheckpointEntry(
                    taskId=i.task_id,
                    title=i.title,
                    createdAt=i.created_at,
                    ref=i.ref,
                    commit=i.commit,
                    taskCommit=i.task_commit,
                    files=list(i.files),
                )
                for i in infos
                if wanted is None or i.task_id in wanted
            ]
        )

    async def approve(self, uri: str, task_id: str) -> CommandResult:
        await self._workspace()
        return await self.approval.decide(task_id, True)

    async def reject(self, uri: str, task_id: str) -> CommandResult:
        await self._workspace()
        return await self.approval.decide(task_id, False)

    async def diff(self, uri: str, task_id: str) -> DiffResult:
        await self._workspace()
        return await self.approval.diff(task_id, await self._checkpoint_ref(task_id))

    # --- the review gate's helpers -------------------------------------------------------------

    async def _checkpoint_ref(self, task_id: str) -> str | None:
        """The ref of the task's newest checkpoint (what diffTask compares against)."""
        if self._ws is None:
            return None
        infos = [i for i in await self._ws.git.list_checkpoints() if i.task_id == task_id]
        return max(infos, key=lambda i: i.created_at).ref if infos else None

    # --- lifecycle -----------------------------------------------------------------------------

    async def show_persisted(self) -> None:
        """Show what the store remembers (a restart, an interrupted task) on the roadmaps."""
        if self._ws is None:
            return
        stored = await asyncio.to_thread(self._ws.store.all)
        for uri in await self._documents.scan():
            parsed = self._documents.get(uri)
            for task in parsed.roadmap.tasks if parsed is not None else ():
                state = stored.get(task.id)
                if state is not None and state.status is not TaskStatus.IDLE:
                    self.view.show_persisted(uri, task, state)

    def _background_close(self, engine: TaskEngine[DocumentTask, Checkpoint]) -> None:
        closing = asyncio.get_running_loop().create_task(engine.close())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        for run in list(self._runs):
            run.cancel()
        await asyncio.gather(*self._runs, return_exceptions=True)
        if self._engine is not None:
            await self._engine.close()
        if self._ws is not None:
            self._ws.close()

    async def _find(self, task_id: str, uri: str | None) -> DocumentTask | None:
        """The task `task_id` with its document: in `uri`, or in the first roadmap holding it."""
        for where in [uri] if uri is not None else await self._documents.scan():
            parsed = self._documents.get(where)
            task = parsed.roadmap.task(task_id) if parsed is not None else None
            if task is not None:
                return DocumentTask(where, task)
        return None

    async def _reinstate(self, ws: Workspace, task_id: str, shown: TaskState | None) -> None:
        """After an undone rollback (the engine gave the task its earlier status back, which
        the view has shown): the lens shows exactly what it showed before when this daemon made
        the rollback, and the open buffer gets the tick the restored file has."""
        where = await self._find(task_id, shown.uri if shown is not None else None)
        if shown is not None:
            self.view.restore(task_id, shown)
        if where is not None and self._engine_now(ws).status(task_id) in DONE:
            try:
                await self._checkbox.set_checked(where, True)
            except WorkspaceError as exc:
                log.warning("re-ticking %s after the undo: %s", task_id, exc)


def start_verb(limit: int, busy: Sequence[str]) -> str:
    """How a new run begins with `busy` tasks under way and room for `limit` at a time (1: runs
    one after the other; more: parallel lanes): at once, or after what keeps it waiting."""
    if len(busy) < limit:
        return "started"
    if limit > 1:
        return f"queued until a lane is free ({', '.join(busy)} running)"
    return f"queued after {', '.join(busy)}"
