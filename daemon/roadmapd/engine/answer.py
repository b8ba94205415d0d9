"""A task that stopped on a question (`needs_input`) and its answer.

Headless, the agent's `ask_user` question ends the conversation: the runner emits
`InputNeeded` with the question and the session's snapshot (the store keeps it) and the task
ends `needs_input`, its working tree as the agent left it. An `Answer` (the user's text and
that saved conversation) makes the next run of the task continue it: from the task's latest
checkpoint (so its diff, evidence and rollback still count from before the task), in the same
conversation, with the answer as the result of the pending `ask_user` call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roadmapd.engine.context import RunContext
from roadmapd.engine.events import InputNeeded
from roadmapd.engine.ports import CP, AgentSessionPort, TaskT


@dataclass(frozen=True, slots=True)
class Answer:
    """The user's answer (None: no answer, the agent decides) and the conversation it continues."""

    text: str | None
    conversation: dict[str, Any]

    def note(self) -> str:
        """What the transcript says the model was told."""
        return f"the user's answer: {self.text}" if self.text else "no answer: the agent decides"


class TaskAsks(Exception):
    """Ends the task as needs_input (raised inside the attempt loop, caught in `run`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def asked(ctx: RunContext[TaskT, CP], task_id: str, session: AgentSessionPort) -> TaskAsks:
    """Record the pending question with the conversation; the exception that ends the task."""
    conversation = session.snapshot()
    pending = conversation.get("pending") or {}
    question = str(pending.get("text", "")) or "(the question was not kept)"
    choices = tuple(str(c) for c in pending.get("choices") or ())
    ctx.emit(
        InputNeeded(
            run_id=ctx.run_id,
            task_id=task_id,
            question=question,
            choices=choices,
            conversation=conversation,
        )
    )
    listed = f" [choices: {' | '.join(choices)}]" if choices else ""
    return TaskAsks(f"needs input: {question}{listed}")
