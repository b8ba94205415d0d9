"""The review gate, risky-command questions and the agent's own questions in the editor.

`EditorApproval` is the engine's `ApprovalPort` and its `ask_command` hook for the language
server. A verified task waits (status `awaiting_approval`) until `roadmapd.approveTask` or
`roadmapd.rejectTask` resolves its future, or until the task is cancelled. A risky shell
command is put to the user with `window/showMessageRequest` ("Allow once", "Allow for this
task", "Deny"); no answer, an error, or a client without the capability denies it, with a
transcript line saying why. The agent's `ask_user` question goes to the extension as the
custom request `roadmapd/askUser` (a client that says `experimental.roadmapd.askUser`), else
to `window/showMessageRequest` with the choices as its actions (a question without choices
cannot be answered there: the agent hears that nobody answered); a client with neither gets
no `ask_user` tool. The engine adapter owns the one gate of its engine and answers the
approve, reject and diff commands with it (the `EnginePort`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

from lsprotocol import types

from roadmapd_protocol import (
    REQUEST_ASK_USER,
    AskUserParams,
    CommandResult,
    DiffResult,
    TaskState,
    TranscriptLine,
)

from .notify import notify_transcript

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from roadmapd.roadmap import DocumentTask

    from .task_states import TaskStates

log = logging.getLogger(__name__)

Answer = Literal["once", "task", "deny"]
ALLOW_ONCE, ALLOW_TASK, DENY = "Allow once", "Allow for this task", "Deny"
ANSWERS: dict[str, Answer] = {ALLOW_ONCE: "once", ALLOW_TASK: "task", DENY: "deny"}

REGISTER_S = 30.0  # how long a decision waits for the engine to reach the gate (diff under way)


class EditorApproval:
    """ApprovalPort + ask_command for the engine of one language server. It follows the task
    states (what the engine's events made of them) for each task's status and attempt."""

    def __init__(self, client: LanguageServer, states: TaskStates) -> None:
        self._client = client
        self._waiting: dict[str, tuple[asyncio.Future[bool], str]] = {}
        self._shown: dict[str, TaskState] = {}  # task id -> its latest state
        self._one_question = asyncio.Lock()
        states.subscribe(self._follow)

    def _follow(self, state: TaskState) -> None:
        self._shown[state.taskId] = state

    def _status_of(self, task_id: str) -> str | None:
        state = self._shown.get(task_id)
        return state.status if state is not None else None

    # --- the review gate ------------------------------------------------------------------

    async def approve(self, task: DocumentTask, diff_summary: str, *, concerns: str = "") -> bool:
        """Wait until the user approves or rejects `task` (cancelling the task ends the wait).
        With `concerns` the lens says "Approve anyway" (the task's reason says why)."""
        decided: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[task.id] = (decided, diff_summary)
        try:
            return await decided
        finally:
            if self._waiting.get(task.id, (None,))[0] is decided:
                del self._waiting[task.id]

    async def _reached(self, task_id: str) -> tuple[asyncio.Future[bool], str] | None:
        """The task's wait at the gate. The status turns `awaiting_approval` (and the editor
        shows the lenses) just before the engine computes the diff and calls `approve`: a
        click in between waits for that call rather than failing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REGISTER_S
        while task_id not in self._waiting and loop.time() < deadline:
            if self._status_of(task_id) != "awaiting_approval":
                break
            await asyncio.sleep(0.05)
        return self._waiting.get(task_id)

    async def decide(self, task_id: str, approved: bool) -> CommandResult:
        """Answer the gate of a waiting task (the approveTask / rejectTask commands)."""
        waiting = await self._reached(task_id)
        if waiting is None or waiting[0].done():
            return CommandResult(ok=False, message=f"{task_id} is not awaiting approval")
        del self._waiting[task_id]
        waiting[0].set_result(approved)
        if approved:
            return CommandResult(
                ok=True, message=f"approved {task_id}: committing it", taskIds=[task_id]
            )
        return CommandResult(
            ok=True,
            message=f"rejected {task_id}: restoring its checkpoint (the rejected state is "
            "kept in a backup ref)",
            taskIds=[task_id],
        )

    async def diff(self, task_id: str, ref: str | None) -> DiffResult:
        """What a waiting task changed since its checkpoint `ref` (the diffTask command)."""
        waiting = await self._reached(task_id)
        if waiting is None:
            return DiffResult(ok=False, message=f"{task_id} is not awaiting approval")
        where = f"; compare {ref} with the working tree" if ref else ""
        return DiffResult(
            ok=True,
            message=f"{task_id}: changes since its checkpoint{where}",
            diff=waiting[1],
            checkpointRef=ref,
        )

    # --- risky shell commands ---------------------------------------------------------------

    async def ask_command(self, task_id: str, command: str, why: str) -> Answer:
        """Ask the user whether the task's agent may run `command`; anything but an answer
        denies."""
        window = self._client.client_capabilities.window
        if window is None or window.show_message is None:
            self._say(
                task_id,
                f"not allowed: {command!r} ({why}); this editor cannot ask "
                "(no window/showMessageRequest support), so risky commands are denied",
            )
            return "deny"
        params = types.ShowMessageRequestParams(
            type=types.MessageType.Warning,
            message=f"roadmapd: {task_id} wants to run `{command}` ({why}). Allow it?",
            actions=[types.MessageActionItem(title=t) for t in ANSWERS],
        )
        try:
            async with self._one_question:
                chosen = await self._client.window_show_message_request_async(params)
        except Exception as exc:  # the client failed the request: nobody allowed it
            log.warning("asking about %r failed: %s", command, exc)
            self._say(task_id, f"not allowed: {command!r}; the editor did not answer ({exc})")
            return "deny"
        answer = ANSWERS.get(chosen.title) if chosen is not None else None
        if answer is None:
            self._say(task_id, f"not allowed: {command!r}; the question was dismissed unanswered")
            return "deny"
        if answer == "deny":
            self._say(task_id, f"not allowed: {command!r}; you chose {DENY}")
        return answer

    # --- the agent's questions (`ask_user`) ---------------------------------------------------

    @property
    def _renders_questions(self) -> bool:
        """The client renders `roadmapd/askUser` itself (the extension says so)."""
        experimental = self._client.client_capabilities.experimental
        own = experimental.get("roadmapd") if isinstance(experimental, dict) else None
        return isinstance(own, dict) and own.get("askUser") is True

    @property
    def can_ask_user(self) -> bool:
        window = self._client.client_capabilities.window
        return self._renders_questions or (window is not None and window.show_message is not None)

    async def ask_user(self, task_id: str, question: str, choices: tuple[str, ...]) -> str | None:
        """The user's answer to the agent's question; None when there is none."""
        state = self._shown.get(task_id)
        params = AskUserParams(
            uri=state.uri if state is not None else None,
            taskId=task_id,
            question=question,
            choices=list(choices),
        )
        try:
            async with self._one_question:
                if self._renders_questions:
                    answer = await self._ask_extension(params)
                elif choices:
                    answer = await self._ask_with_actions(params)
                else:
                    self._say(
                        task_id,
                        f"the agent asked {question!r}, which needs a typed answer; this editor "
                        "can only offer choices, so it got no answer",
                    )
                    return None
        except Exception as exc:  # the client failed the request: no answer
            log.warning("asking %r failed: %s", question, exc)
            self._say(task_id, f"the agent's question got no answer: the editor failed ({exc})")
            return None
        if answer is None:
            self._say(task_id, "the agent's question was dismissed unanswered")
        return answer

    async def _ask_extension(self, params: AskUserParams) -> str | None:
        result = await self._client.protocol.send_request_async(
            REQUEST_ASK_USER, params.model_dump()
        )
        raw = result.get("answer") if isinstance(result, dict) else getattr(result, "answer", None)
        return raw if isinstance(raw, str) and raw.strip() else None

    async def _ask_with_actions(self, params: AskUserParams) -> str | None:
        request = types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=f"roadmapd: {params.taskId} asks: {params.question}",
            actions=[types.MessageActionItem(title=c) for c in params.choices],
        )
        chosen = await self._client.window_show_message_request_async(request)
        return chosen.title if chosen is not None and chosen.title in params.choices else None

    def _say(self, task_id: str, text: str) -> None:
        state = self._shown.get(task_id)
        attempt = state.attempt if state is not None else 0
        line = TranscriptLine(taskId=task_id, attempt=attempt, kind="error", text=text)
        notify_transcript(self._client, line)
