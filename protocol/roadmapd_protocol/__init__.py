"""The wire contract between the roadmapd daemon and its editor clients.

This module is the source of truth. `python -m roadmapd_protocol.generate` writes
`protocol/schema.json` (JSON Schema) and `protocol/protocol.ts` (the TypeScript types the VS Code
extension compiles against); a test fails when those files are stale. Field names are camelCase
on the wire, as is usual in LSP. Bump PROTOCOL_VERSION on any incompatible change.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1


class _Wire(BaseModel):
    # defer_build: each model's validator is built when first used, not at import (the
    # language server's start-up imports every model and uses few of them at first)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --- command names (workspace/executeCommand) ---------------------------------------------------

CMD_RUN_TASK = "roadmapd.runTask"
CMD_RETRY_TASK = "roadmapd.retryTask"
CMD_CANCEL_TASK = "roadmapd.cancelTask"
CMD_ROLLBACK_TASK = "roadmapd.rollbackTask"
CMD_RUN_SECTION = "roadmapd.runSection"
CMD_RUN_ALL = "roadmapd.runAll"
CMD_SHOW_LOG = "roadmapd.showLog"
CMD_ROLLBACK_UNDO = "roadmapd.rollbackUndo"
CMD_BREAK_DOWN_TASK = "roadmapd.breakDownTask"
CMD_NORMALIZE_ROADMAP = "roadmapd.normalizeRoadmap"
CMD_APPROVE_TASK = "roadmapd.approveTask"
#: The start of a task's reason while it waits for a person to approve it anyway (the attempt
#: weakens verification or carries large/binary files); the lens then says "Approve anyway".
APPROVE_ANYWAY = "the checks passed but only you can approve this commit"
CMD_REJECT_TASK = "roadmapd.rejectTask"
CMD_DIFF_TASK = "roadmapd.diffTask"
#: Re-verify the done tasks of a roadmap (`DocumentRef`; no argument: every roadmap) at HEAD.
CMD_REVERIFY_DONE = "roadmapd.reverifyDone"
#: Pause the runs under way (no argument): their tasks under way finish, no other starts.
CMD_PAUSE = "roadmapd.pause"
#: Run the tasks the last paused run did not start (no argument).
CMD_RESUME_RUN = "roadmapd.resumeRun"
#: Answer the question a `needs_input` task stopped on (`TaskRef`): the server asks it (the
#: roadmapd/askUser request, else window/showMessageRequest), then continues the task's
#: saved conversation with the answer.
CMD_ANSWER_TASK = "roadmapd.answerTask"

TASK_COMMANDS = (
    CMD_RUN_TASK,
    CMD_RETRY_TASK,
    CMD_CANCEL_TASK,
    CMD_ROLLBACK_TASK,
    CMD_SHOW_LOG,
    CMD_APPROVE_TASK,
    CMD_REJECT_TASK,
    CMD_DIFF_TASK,
    CMD_ANSWER_TASK,
)

# --- custom notifications and requests -----------------------------------------------------------

NOTIFY_TASK_STATE = "roadmapd/taskState"
NOTIFY_TRANSCRIPT = "roadmapd/transcript"
REQUEST_CHECKPOINTS = "roadmapd/checkpoints"
#: Server -> client: the agent of a task asks the user a question. Sent only to a client whose
#: capabilities say `experimental.roadmapd.askUser: true`; others get window/showMessageRequest.
REQUEST_ASK_USER = "roadmapd/askUser"
#: Client -> server: every task of the workspace's roadmaps (or of one) with its status, for a
#: task tree or a dependency graph; live changes then come as roadmapd/taskState.
REQUEST_TASKS = "roadmapd/tasks"

TaskStatus = Literal[
    "pending",
    "queued",
    "running",
    "verifying",
    "awaiting_approval",
    "passed",
    "failed",
    "cancelled",
    "interrupted",
    "committed",
    "rolled_back",
    "needs_replan",
    "regressed",
    "needs_input",
    "blocked",
]


class TaskRef(_Wire):
    """Argument of runTask, retryTask, cancelTask, rollbackTask, showLog, approveTask,
    rejectTask, diffTask and answerTask."""

    uri: str = Field(min_length=1, description="URI of the roadmap document")
    taskId: str = Field(min_length=1, description="The task's id as parsed from the roadmap")


class RollbackArgs(TaskRef):
    """rollbackTask also accepts `force` (roll back despite later edits or dependants)."""

    force: bool = False


class SectionRef(_Wire):
    """Argument of runSection: the heading's title path, outermost first."""

    uri: str = Field(min_length=1)
    headings: list[str] = Field(min_length=1)


class DocumentRef(_Wire):
    """Argument of runAll, normalizeRoadmap and reverifyDone."""

    uri: str = Field(min_length=1)


class CommandResult(_Wire):
    """What every roadmapd command answers."""

    ok: bool
    message: str
    taskIds: list[str] = Field(default_factory=list)


RollbackMethod = Literal[
    "branch-moved",
    "revert-commit",
    "files-restored",
    "lane-removed",
    "lane-restored",
    "refused",
    "none",
]


class RollbackResult(_Wire):
    """Answer of rollbackTask and rollbackUndo."""

    ok: bool
    message: str
    method: RollbackMethod
    files: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    dependants: list[str] = Field(default_factory=list)
    backupRef: str | None = None


class DiffResult(_Wire):
    """Answer of diffTask: what a task awaiting approval changed since its checkpoint."""

    ok: bool
    message: str
    diff: str = Field(default="", description="The diff against the checkpoint (bounded)")
    checkpointRef: str | None = Field(
        default=None, description="The pre-task checkpoint; diff it against the working tree"
    )


class TaskState(_Wire):
    """Notification roadmapd/taskState, sent on every change of a task's state."""

    uri: str
    taskId: str
    title: str
    status: TaskStatus
    attempt: int = 0
    maxAttempts: int = 0
    phase: str = Field(default="", description='e.g. "agent turn 3", "verifying", "committing"')
    turns: int = 0
    inputTokens: int = 0
    outputTokens: int = 0
    costUsd: float = 0.0
    costEstimated: bool = Field(
        default=False, description="costUsd is an estimate: a model without a known price ran"
    )
    reviewTokens: int = Field(
        default=0, description="the reviewer role's tokens (not in the above)"
    )
    reviewCostUsd: float = Field(
        default=0.0, description="the reviewer role's cost (not in costUsd)"
    )
    problems: int = 0
    commit: str | None = None
    reason: str | None = None
    durationS: float | None = Field(default=None, description="wall time of the last finished run")


class TranscriptLine(_Wire):
    """Notification roadmapd/transcript: one piece of the agent's transcript for a task."""

    taskId: str
    attempt: int
    kind: Literal["text", "tool_call", "tool_result", "check", "status", "error"]
    text: str


class AskUserParams(_Wire):
    """Params of the roadmapd/askUser request (server -> client): the agent's question."""

    uri: str | None = Field(default=None, description="URI of the task's roadmap, if known")
    taskId: str
    question: str
    choices: list[str] = Field(default_factory=list, description="empty: a free answer")


class AskUserResult(_Wire):
    """Answer of roadmapd/askUser: a choice or the user's own words; null = dismissed."""

    answer: str | None = None


class CheckpointsParams(_Wire):
    """Params of the roadmapd/checkpoints request; no uri = every roadmap of the workspace."""

    uri: str | None = None


class CheckpointEntry(_Wire):
    taskId: str
    title: str
    createdAt: float = Field(description="Unix time in seconds")
    ref: str
    commit: str
    taskCommit: str | None = None
    files: list[str] = Field(default_factory=list)


class CheckpointsResult(_Wire):
    checkpoints: list[CheckpointEntry]


class TasksParams(_Wire):
    """Params of the roadmapd/tasks request; no uri = every roadmap of the workspace."""

    uri: str | None = None


class TaskListing(_Wire):
    """One task of roadmapd/tasks: where it is, what it waits for, and its state."""

    taskId: str
    title: str
    line: int = Field(description="0-based line of the task's list marker")
    headings: list[str] = Field(description="the headings above it, outermost first")
    parent: str | None = Field(default=None, description="the id of the enclosing task")
    depends: list[str] = Field(default_factory=list)
    checked: bool
    status: TaskStatus = Field(description="the last run's status (pending: never run)")
    reason: str | None = None
    costUsd: float = 0.0
    durationS: float | None = None
    commit: str | None = None


class RoadmapListing(_Wire):
    uri: str
    tasks: list[TaskListing]


class TasksResult(_Wire):
    """Answer of roadmapd/tasks: each roadmap with its tasks in document order."""

    roadmaps: list[RoadmapListing]


WIRE_MODELS: tuple[type[BaseModel], ...] = (
    TaskRef,
    RollbackArgs,
    SectionRef,
    DocumentRef,
    CommandResult,
    RollbackResult,
    DiffResult,
    TaskState,
    TranscriptLine,
    AskUserParams,
    AskUserResult,
    CheckpointsParams,
    CheckpointEntry,
    CheckpointsResult,
    TasksParams,
    TaskListing,
    RoadmapListing,
    TasksResult,
)
