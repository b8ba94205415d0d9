"""The engine's ports: the only shapes through which it touches the outside world.

The engine never imports the agent, the verifier, git or the store. The faces (server, CLI)
wire concrete adapters whose shapes match these Protocols structurally:

- `AgentPort[T]`: `roadmapd.agent` (an adapter builds the task prompt and wraps
  `AgentSession`); `open(task, context=...)` starts a fresh conversation.
- `VerifierPort[T]`: `roadmapd.verify.run_checks` for the task's checks.
- `GitPort[CP]`: `roadmapd.vcs.GitWorkspace` as it is (`CP` = `roadmapd.vcs.Checkpoint`).
- `CheckboxPort[T]`: `workspace/applyEdit` in the server, a disk write in the CLI.
- `ProblemFormatter`: `roadmapd.verify.format_for_retry`.
- `ApprovalPort[T]`: the review gate; the CLI asks at the prompt, the server in the editor.
- `LanesPort[T]`: per-task worktrees for parallel runs (`max_parallel` > 1).
- `HeadChecksPort[T]`: the checks on HEAD's committed tree, for re-verify (`engine/reverify.py`).
- `StatusLookup`: persisted statuses (`StateStore.status_of`) for tasks this engine has not
  run itself, so that dependencies committed in an earlier session count as done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from roadmapd.agent.events import AgentEvent, Usage
from roadmapd.engine.verdict import FileChangeLike
from roadmapd.problems import CheckReport, Problem
from roadmapd.statuses import TaskStatus

BranchMode = Literal["current", "per-task", "pr"]


class TaskLike(Protocol):
    """What the engine reads of a roadmap task (`roadmapd.roadmap.Task` has all of it)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def checked(self) -> bool: ...
    @property
    def depends(self) -> Sequence[str]: ...
    @property
    def verify(self) -> Sequence[str]: ...  # the task's own Verify: commands
    @property
    def files(self) -> Sequence[str]: ...  # the task's Files: hints
    @property
    def evidence(self) -> str | None: ...  # the task's own `Evidence:` policy, if any
    @property
    def headings(self) -> Sequence[str]: ...  # its section: the headings above it


class CheckpointLike(Protocol):
    """A pre-task snapshot of the working state, stored in a git ref."""

    @property
    def task_id(self) -> str: ...
    @property
    def ref(self) -> str: ...
    @property
    def commit(self) -> str: ...
    @property
    def unprotected(self) -> Sequence[str]: ...  # ignored paths it did not record


class CommitOutcomeLike(Protocol):
    @property
    def committed(self) -> bool: ...
    @property
    def commit(self) -> str | None: ...
    @property
    def files(self) -> tuple[str, ...]: ...
    @property
    def reason(self) -> str | None: ...


class RollbackOutcomeLike(Protocol):
    @property
    def done(self) -> bool: ...
    @property
    def backup_ref(self) -> str | None: ...
    @property
    def files(self) -> tuple[str, ...]: ...
    @property
    def conflicts(self) -> tuple[str, ...]: ...
    @property
    def method(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


class UndoOutcomeLike(RollbackOutcomeLike, Protocol):
    """What undoing the latest rollback reports: a rollback outcome naming its task."""

    @property
    def task_id(self) -> str | None: ...


TaskT = TypeVar("TaskT", bound=TaskLike)
TaskT_contra = TypeVar("TaskT_contra", bound=TaskLike, contravariant=True)
CP = TypeVar("CP", bound=CheckpointLike)


class AgentSessionPort(Protocol):
    """One conversation. Each stream ends with `AgentFinished`; `send` continues it."""

    def start(self) -> AsyncIterator[AgentEvent]: ...
    def send(self, message: str) -> AsyncIterator[AgentEvent]: ...
    def answer(self, text: str | None) -> AsyncIterator[AgentEvent]:
        """Continue after a stream that ended `needs_input`, with the user's answer."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """The conversation as JSON-able data (what `AgentPort.resume` takes up)."""
        ...

    async def aclose(self) -> None: ...


class AgentPort(Protocol[TaskT_contra]):
    async def open(
        self, task: TaskT_contra, *, context: str | None, after: AgentSessionPort | None = None
    ) -> AgentSessionPort:
        """A session for `task`; `context` (previous failures) goes into its first message.
        `after`: the conversation of the previous task of a batch, to continue with this task
        (its `start()` then sends this task in that conversation); None: a fresh one."""
        ...

    async def resume(self, task: TaskT_contra, conversation: dict[str, Any]) -> AgentSessionPort:
        """A session taking up `conversation` (a `snapshot()` saved when it asked a question);
        its `answer()` continues it. Raises ValueError when the saved data is unusable."""
        ...


class VerifierPort(Protocol[TaskT_contra]):
    async def verify(self, task: TaskT_contra) -> CheckReport: ...

    async def baseline(self, task: TaskT_contra) -> CheckReport:
        """The checks at the checkpoint, before the first attempt (the task's red tests)."""
        ...

    async def tests_at_checkpoint(
        self, task: TaskT_contra, checkpoint: Any, files: Sequence[str]
    ) -> CheckReport:
        """The test check on the checkpoint's code with the attempt's test `files` in it."""
        ...


class HeadChecksPort(Protocol[TaskT_contra]):
    async def at_head(
        self, tasks: Sequence[TaskT_contra]
    ) -> tuple[CheckReport, Mapping[str, CheckReport]]:
        """The project's checks on the committed tree of HEAD (once), and each task's own
        `Verify:` commands there (by task id; a task without any is left out): re-verify."""
        ...


class ReviewFindingLike(Protocol):
    @property
    def message(self) -> str: ...
    @property
    def file(self) -> str | None: ...
    @property
    def line(self) -> int | None: ...
    @property
    def fix(self) -> str: ...


class CriterionLike(Protocol):
    @property
    def criterion(self) -> str: ...
    @property
    def met(self) -> bool: ...
    @property
    def evidence(self) -> str: ...


class ReviewLike(Protocol):
    @property
    def decision(self) -> str: ...  # pass | changes_requested | blocked | error
    @property
    def reason(self) -> str: ...
    @property
    def findings(self) -> Sequence[ReviewFindingLike]: ...
    @property
    def criteria(self) -> Sequence[CriterionLike]: ...
    @property
    def usage(self) -> Usage: ...


class ReviewerPort(Protocol[TaskT_contra]):
    """The reviewer role (`review = "agent"`): a verdict on an attempt that passed."""

    async def review(self, task: TaskT_contra, diff: str, report: CheckReport) -> ReviewLike: ...


class ApprovalPort(Protocol[TaskT_contra]):
    """The review gate (`approval = "before-commit"`): may this verified task be committed?

    Awaited by the engine while the task is `awaiting_approval`; True commits it, False
    restores the pre-task checkpoint (the task is rolled back). It may take as long as the
    user needs; cancelling the task cancels the wait. `concerns` (not empty) means the attempt
    passed its checks but weakens verification or carries large/binary files: only a person
    may approve it ("approve anyway"), never a blanket `--yes`.
    """

    async def approve(
        self, task: TaskT_contra, diff_summary: str, *, concerns: str = ""
    ) -> bool: ...


class CheckboxPort(Protocol[TaskT_contra]):
    async def set_checked(self, task: TaskT_contra, checked: bool) -> None: ...


class GitPort(Protocol[CP]):
    async def checkpoint(self, task_id: str, title: str) -> CP: ...
    async def latest_checkpoint(self, task_id: str) -> CP | None: ...
    async def diff_since(self, cp: CP, max_chars: int) -> str: ...
    async def changes(self, cp: CP) -> Sequence[FileChangeLike]: ...
    async def restore(self, cp: CP) -> RollbackOutcomeLike: ...
    async def commit_task(
        self, cp: CP, *, title: str, task_id: str, attempts: int, branch_mode: BranchMode
    ) -> CommitOutcomeLike: ...
    async def rollback(
        self, task_id: str, *, force: bool, dependants: Sequence[str]
    ) -> RollbackOutcomeLike: ...
    async def undo_rollback(self) -> UndoOutcomeLike: ...


ProblemFormatter = Callable[[Sequence[Problem], int], str]
StatusLookup = Callable[[str], TaskStatus | None]


@dataclass(frozen=True)
class LanePorts(Generic[TaskT]):
    """The ports of one task running in its own lane (a git worktree) during a parallel run.

    `git.commit_task` commits in the lane AND integrates the commit into the user's branch
    (the engine calls it only when it is the task's turn, in roadmap order); a conflict comes
    back as `committed=False` with the reason ("needs attention ...").
    """

    agent: AgentPort[TaskT]
    verifier: VerifierPort[TaskT]
    git: GitPort[Any]
    checkbox: CheckboxPort[TaskT]


class LanesPort(Protocol[TaskT]):
    """Makes and removes lanes; `close(..., integrated=False)` keeps the lane's work safe."""

    async def open(self, task: TaskT) -> LanePorts[TaskT]: ...
    async def close(self, task: TaskT, lane: LanePorts[TaskT], *, integrated: bool) -> None: ...
