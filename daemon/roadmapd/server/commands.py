"""workspace/executeCommand handlers and the roadmapd/checkpoints request.

Every handler validates its arguments with the protocol's pydantic model (a bad argument is a
JSON-RPC InvalidParams error naming the field and what was expected), resolves task ids against
the current parse (an unknown id is an error naming the id and the document), and only then
calls the engine port, the one door to the engine (approveTask, rejectTask and diffTask
too: they answer the engine's review gate). With no engine port wired, valid commands answer a
RequestFailed error saying that task running is not available in this build.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, cast

from pydantic import BaseModel, ValidationError
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from roadmapd.roadmap import Task
from roadmapd_protocol import (
    CMD_ANSWER_TASK,
    CMD_APPROVE_TASK,
    CMD_CANCEL_TASK,
    CMD_DIFF_TASK,
    CMD_PAUSE,
    CMD_REJECT_TASK,
    CMD_RESUME_RUN,
    CMD_RETRY_TASK,
    CMD_REVERIFY_DONE,
    CMD_ROLLBACK_TASK,
    CMD_ROLLBACK_UNDO,
    CMD_RUN_ALL,
    CMD_RUN_SECTION,
    CMD_RUN_TASK,
    CMD_SHOW_LOG,
    REQUEST_CHECKPOINTS,
    CheckpointsParams,
    DocumentRef,
    RollbackArgs,
    SectionRef,
    TaskRef,
)

from .documents import Documents, Parsed
from .engine_port import NOT_AVAILABLE, EngineDoor, EnginePort
from .rpc.protocol import plain
from .task_states import TaskStates
from .taskview import pending_ids, section_tasks

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=TaskRef)
REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed


class JsonRpcRequestFailed(JsonRpcException):
    CODE = REQUEST_FAILED
    MESSAGE = "request failed"


def _describe(err: Any) -> str:
    field = ".".join(str(p) for p in err.get("loc", ())) or "(arguments)"
    kind = err.get("type", "")
    if kind == "missing":
        return f"missing field {field!r}"
    if kind == "extra_forbidden":
        return f"unexpected field {field!r}"
    return f"field {field!r}: {err.get('msg', 'invalid')}; got {err.get('input')!r}"


def validate(model: type[M], command: str, args: tuple[Any, ...]) -> M:
    """The one argument of `command` as `model`, or an InvalidParams error saying what is wrong."""
    fields = ", ".join(model.model_fields)
    if len(args) != 1 or not isinstance(args[0], dict):
        got = f"{len(args)} arguments" if len(args) != 1 else f"a {type(args[0]).__name__}"
        raise JsonRpcInvalidParams(
            f"{command}: expected one object argument {{{fields}}}; got {got}"
        )
    try:
        return model.model_validate(args[0])
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise JsonRpcInvalidParams(f"{command}: {problems}") from None


def no_arguments(command: str, args: tuple[Any, ...]) -> None:
    """An InvalidParams error unless `args` is empty (or one empty object)."""
    if args and args != ({},):
        raise JsonRpcInvalidParams(f"{command}: takes no arguments; got {len(args)}")


def document(documents: Documents, command: str, uri: str) -> Parsed:
    parsed = documents.get(uri)
    if parsed is None:
        raise JsonRpcInvalidParams(
            f"{command}: {uri} is not a roadmap document of this workspace "
            f"(roadmap globs: {', '.join(documents.globs)})"
        )
    return parsed


class _MaybeDocument(Protocol):
    uri: str | None


def document_params(documents: Documents, model: type[M], method: str, params: Any) -> M:
    """A request's params (`{uri?}`) as `model`, a given uri checked to be a roadmap document;
    an InvalidParams error otherwise."""
    raw = plain(params) if params is not None else {}
    ref = validate(model, method, (raw,))
    uri = cast(_MaybeDocument, ref).uri
    if uri is not None:
        document(documents, method, uri)
    return ref


def resolve_task(documents: Documents, command: str, ref: TaskRef) -> Task:
    parsed = document(documents, command, ref.uri)
    task = parsed.roadmap.task(ref.taskId)
    if task is None:
        raise JsonRpcInvalidParams(f"{command}: no task {ref.taskId!r} in {ref.uri}")
    return task


def validate_task(
    documents: Documents, model: type[R], command: str, args: tuple[Any, ...]
) -> tuple[R, Task]:
    """The task argument of `command` as `model` and the task it names, or an InvalidParams
    error (bad argument, unknown document or unknown task id)."""
    ref = validate(model, command, args)
    return ref, resolve_task(documents, command, ref)


#: A command on one task: the engine port's call for it, given the task's document and id.
TaskCall = Callable[[EnginePort, str, str], Awaitable[BaseModel | str]]

#: The commands whose one argument is a `TaskRef` (rollback's carries `force`: its own handler).
_TASK_COMMANDS: dict[str, TaskCall] = {
    CMD_RUN_TASK: lambda port, uri, task_id: port.run(uri, [task_id]),
    CMD_RETRY_TASK: lambda port, uri, task_id: port.retry(uri, task_id),
    CMD_CANCEL_TASK: lambda port, uri, task_id: port.cancel(uri, task_id),
    CMD_SHOW_LOG: lambda port, uri, task_id: port.show_log(uri, task_id),
    CMD_APPROVE_TASK: lambda port, uri, task_id: port.approve(uri, task_id),
    CMD_REJECT_TASK: lambda port, uri, task_id: port.reject(uri, task_id),
    CMD_DIFF_TASK: lambda port, uri, task_id: port.diff(uri, task_id),
    CMD_ANSWER_TASK: lambda port, uri, task_id: port.answer(uri, task_id),
}


class Commands:
    """The task commands and the checkpoints request: checked, then passed through the one
    door to the engine."""

    def __init__(self, documents: Documents, states: TaskStates, engine: EngineDoor) -> None:
        self._documents, self._states, self._engine = documents, states, engine

    async def _port(self, command: str) -> EnginePort:
        port = await self._engine.port()
        if port is None:
            raise JsonRpcRequestFailed(f"{command}: {NOT_AVAILABLE}")
        return port

    def _task_command(self, command: str, call: TaskCall) -> Callable[..., Awaitable[Any]]:
        """The handler of a command on one task: its `TaskRef` checked, then `call`."""

        async def handler(*args: Any) -> Any:
            ref, _ = validate_task(self._documents, TaskRef, command, args)
            result = await call(await self._port(command), ref.uri, ref.taskId)
            return result if isinstance(result, str) else result.model_dump()

        return handler

    def register(self, server: LanguageServer) -> None:
        documents, states, door = self._documents, self._states, self._port

        for command, call in _TASK_COMMANDS.items():
            server.command(command)(self._task_command(command, call))

        @server.command(CMD_ROLLBACK_TASK)
        async def rollback_task(*args: Any) -> dict[str, Any]:
            ref, _ = validate_task(documents, RollbackArgs, CMD_ROLLBACK_TASK, args)
            port = await door(CMD_ROLLBACK_TASK)
            result = await port.rollback(ref.uri, ref.taskId, ref.force)
            return result.model_dump()

        @server.command(CMD_RUN_SECTION)
        async def run_section(*args: Any) -> dict[str, Any]:
            ref = validate(SectionRef, CMD_RUN_SECTION, args)
            parsed = document(documents, CMD_RUN_SECTION, ref.uri)
            tasks = section_tasks(parsed.roadmap, tuple(ref.headings))
            if not tasks:
                path = " > ".join(ref.headings)
                raise JsonRpcInvalidParams(
                    f"{CMD_RUN_SECTION}: no section {path!r} with tasks in {ref.uri}"
                )
            ids = pending_ids(tasks, ref.uri, states)
            result = await (await door(CMD_RUN_SECTION)).run(ref.uri, ids)
            return result.model_dump()

        @server.command(CMD_RUN_ALL)
        async def run_all(*args: Any) -> dict[str, Any]:
            ref = validate(DocumentRef, CMD_RUN_ALL, args)
            parsed = document(documents, CMD_RUN_ALL, ref.uri)
            optional = parsed.roadmap.optional  # Kiro's `[ ]*` tasks: run by their own lens only
            runnable = [t for t in parsed.roadmap.tasks if t.id not in optional]
            ids = pending_ids(runnable, ref.uri, states)
            result = await (await door(CMD_RUN_ALL)).run(ref.uri, ids)
            return result.model_dump()

        @server.command(CMD_ROLLBACK_UNDO)
        async def rollback_undo(*args: Any) -> dict[str, Any]:
            no_arguments(CMD_ROLLBACK_UNDO, args)
            result = await (await door(CMD_ROLLBACK_UNDO)).undo_rollback()
            return result.model_dump()

        @server.command(CMD_REVERIFY_DONE)
        async def reverify_done(*args: Any) -> dict[str, Any]:
            uri = None
            if args and args != ({},):
                uri = validate(DocumentRef, CMD_REVERIFY_DONE, args).uri
                document(documents, CMD_REVERIFY_DONE, uri)
            result = await (await door(CMD_REVERIFY_DONE)).reverify(uri)
            return result.model_dump()

        @server.command(CMD_PAUSE)
        async def pause(*args: Any) -> dict[str, Any]:
            no_arguments(CMD_PAUSE, args)
            return (await (await door(CMD_PAUSE)).pause()).model_dump()

        @server.command(CMD_RESUME_RUN)
        async def resume_run(*args: Any) -> dict[str, Any]:
            no_arguments(CMD_RESUME_RUN, args)
            return (await (await door(CMD_RESUME_RUN)).resume()).model_dump()

        @server.feature(REQUEST_CHECKPOINTS)
        async def checkpoints(params: Any) -> dict[str, Any]:
            ref = document_params(documents, CheckpointsParams, REQUEST_CHECKPOINTS, params)
            result = await (await door(REQUEST_CHECKPOINTS)).checkpoints(ref.uri)
            return result.model_dump()
