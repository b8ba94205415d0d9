"""The task state machine as data: statuses, triggers, the transition table and the named sets
of statuses (`ACTIVE`, `WAITING`, `WORKING`, `DONE`), derived from the table where it says them.

Pure and light (the standard library only), like `problems.py`: the engine applies the table,
the store checks against it, and the language server reads the sets when it draws its first
lenses, before the engine is loaded.

Every status change of a task goes through `next_status`, which looks the pair
(status, trigger) up in `TRANSITIONS` and raises `IllegalTransition` for anything else.
The run loop (`engine/runner.py`) decides WHICH trigger fires; this table decides WHERE it
leads.

| from                                        | trigger          | to           |
|---------------------------------------------|------------------|--------------|
| idle, passed, failed, cancelled,            | queue            | queued       |
| interrupted, committed, rolled_back,        |                  |              |
| needs_replan, regressed, needs_input        |                  |              |
| queued                                      | start            | running      |
| queued                                      | skip             | idle         |
| running                                     | agent_done       | verifying    |
| running, verifying                          | retry            | running      |
| running, verifying                          | give_up          | failed       |
| running                                     | ask              | needs_input  |
| verifying                                   | replan           | needs_replan |
| verifying                                   | checks_passed    | passed       |
| verifying                                   | await_approval   | awaiting_approval |
| awaiting_approval                           | approve          | passed       |
| awaiting_approval                           | reject           | rolled_back  |
| awaiting_approval                           | give_up          | failed       |
| passed                                      | committed        | committed    |
| passed                                      | commit_refused   | passed       |
| queued, running, verifying, passed,         | cancel           | cancelled *  |
| awaiting_approval                           |                  |              |
| queued, running, verifying,                 | interrupt        | interrupted  |
| awaiting_approval                           |                  |              |
| passed, committed, failed, cancelled,       | roll_back        | rolled_back  |
| interrupted, needs_replan, regressed,       |                  |              |
| needs_input                                 |                  |              |
| rolled_back                                 | undo_rollback    | before **    |
| idle, passed, committed                     | regress          | regressed    |
| regressed                                   | clear_regression | before ***   |

`*` a task that already passed stays passed when cancelled during its commit step.
`**` the status the task had before its rollback (one of those that can be rolled back).
`***` the status the task had before it regressed (kept in its record as `regressed_from`).

Meaning of the statuses: `idle` never ran (or was skipped because a dependency was not
done); `queued` waits for its turn; `running` an agent attempt is under way; `verifying` the
daemon runs the checks; `passed` the checks passed (not committed: the reason says why);
`awaiting_approval` passed, waiting for the user's approval before the commit (setting
`approval = "before-commit"`; rejected: the checkpoint is restored and the task is rolled back);
`committed` passed and committed; `failed` the attempt budget is spent or the task stopped on
an error; `cancelled` stopped on request (checkpoint kept); `interrupted` the daemon died while
it ran (checkpoint kept, see `StateStore.recover`); `rolled_back` its changes were undone;
`needs_replan` the reviewer said the task needs a human or a new plan (the reason says why);
`needs_input` the agent asked a question nobody could answer during the run (headless): the
question and the conversation are saved, the working tree is as the agent left it, and an
answer (`roadmapd answer`, the lens "Answer…") continues that conversation from the task's
checkpoint (run again instead, the task starts over);
`regressed` a done task whose own checks (its `Verify:` commands, the tests that were its
evidence) fail when re-verified at HEAD (`roadmapd verify`); a later passing re-verify clears it.
An `idle` task regresses too: a box ticked by hand, never run by roadmapd.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class TaskStatus(StrEnum):
    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    VERIFYING = "verifying"
    AWAITING_APPROVAL = "awaiting_approval"
    PASSED = "passed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    COMMITTED = "committed"
    ROLLED_BACK = "rolled_back"
    NEEDS_REPLAN = "needs_replan"
    REGRESSED = "regressed"
    NEEDS_INPUT = "needs_input"


class Trigger(StrEnum):
    QUEUE = "queue"
    START = "start"
    SKIP = "skip"
    AGENT_DONE = "agent_done"
    RETRY = "retry"
    GIVE_UP = "give_up"
    CHECKS_PASSED = "checks_passed"
    AWAIT_APPROVAL = "await_approval"
    APPROVE = "approve"
    REJECT = "reject"
    COMMITTED = "committed"
    COMMIT_REFUSED = "commit_refused"
    CANCEL = "cancel"
    INTERRUPT = "interrupt"
    ROLL_BACK = "roll_back"
    UNDO_ROLLBACK = "undo_rollback"
    REPLAN = "replan"
    ASK = "ask"
    REGRESS = "regress"
    CLEAR_REGRESSION = "clear_regression"


S = TaskStatus
T = Trigger

_REQUEUABLE = (
    S.IDLE,
    S.PASSED,
    S.FAILED,
    S.CANCELLED,
    S.INTERRUPTED,
    S.COMMITTED,
    S.ROLLED_BACK,
    S.NEEDS_REPLAN,
    S.REGRESSED,
    S.NEEDS_INPUT,
)
_ROLLBACKABLE = (
    S.PASSED,
    S.COMMITTED,
    S.FAILED,
    S.CANCELLED,
    S.INTERRUPTED,
    S.NEEDS_REPLAN,
    S.REGRESSED,
    S.NEEDS_INPUT,
)
#: The statuses a re-verify may find regressed (and a passing one gives back).
_REGRESSABLE = (S.IDLE, S.PASSED, S.COMMITTED)

TRANSITIONS: Mapping[tuple[TaskStatus, Trigger], TaskStatus] = {
    **{(s, T.QUEUE): S.QUEUED for s in _REQUEUABLE},
    (S.QUEUED, T.START): S.RUNNING,
    (S.QUEUED, T.SKIP): S.IDLE,
    (S.RUNNING, T.AGENT_DONE): S.VERIFYING,
    (S.RUNNING, T.RETRY): S.RUNNING,
    (S.VERIFYING, T.RETRY): S.RUNNING,
    (S.RUNNING, T.GIVE_UP): S.FAILED,
    (S.VERIFYING, T.GIVE_UP): S.FAILED,
    (S.VERIFYING, T.REPLAN): S.NEEDS_REPLAN,
    (S.RUNNING, T.ASK): S.NEEDS_INPUT,
    (S.VERIFYING, T.CHECKS_PASSED): S.PASSED,
    (S.VERIFYING, T.AWAIT_APPROVAL): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, T.APPROVE): S.PASSED,
    (S.AWAITING_APPROVAL, T.REJECT): S.ROLLED_BACK,
    (S.AWAITING_APPROVAL, T.GIVE_UP): S.FAILED,
    (S.AWAITING_APPROVAL, T.CANCEL): S.CANCELLED,
    (S.AWAITING_APPROVAL, T.INTERRUPT): S.INTERRUPTED,
    (S.PASSED, T.COMMITTED): S.COMMITTED,
    (S.PASSED, T.COMMIT_REFUSED): S.PASSED,
    (S.QUEUED, T.CANCEL): S.CANCELLED,
    (S.RUNNING, T.CANCEL): S.CANCELLED,
    (S.VERIFYING, T.CANCEL): S.CANCELLED,
    (S.PASSED, T.CANCEL): S.PASSED,
    (S.QUEUED, T.INTERRUPT): S.INTERRUPTED,
    (S.RUNNING, T.INTERRUPT): S.INTERRUPTED,
    (S.VERIFYING, T.INTERRUPT): S.INTERRUPTED,
    **{(s, T.ROLL_BACK): S.ROLLED_BACK for s in _ROLLBACKABLE},
    **{(s, T.REGRESS): S.REGRESSED for s in _REGRESSABLE},
}


def _where(trigger: Trigger) -> frozenset[TaskStatus]:
    """The statuses in which `trigger` may fire."""
    return frozenset(s for (s, t) in TRANSITIONS if t is trigger)


#: Statuses in which a task is owned by a live run (not idle, not finished): the ones a daemon
#: that dies leaves `interrupted`.
ACTIVE: frozenset[TaskStatus] = _where(T.INTERRUPT)

#: Active statuses that wait for the user (the review gate), not for the daemon.
WAITING: frozenset[TaskStatus] = _where(T.APPROVE)

#: Active statuses in which the daemon itself works on the task (queued, running, verifying):
#: the editor shows its progress while the task is in one of them.
WORKING: frozenset[TaskStatus] = ACTIVE - WAITING

#: Statuses that count as "done" for the tasks that depend on this one.
DONE: frozenset[TaskStatus] = frozenset({S.PASSED, S.COMMITTED})


#: The reason of a task a paused run did not start: it stays idle, and a resume runs it.
PAUSED_REASON = "not started: the run was paused"


class IllegalTransition(ValueError):
    """A trigger fired in a status where the table has no entry for it."""

    def __init__(self, status: TaskStatus, trigger: Trigger) -> None:
        allowed = sorted(t.value for (s, t) in TRANSITIONS if s is status)
        super().__init__(
            f"illegal transition: {trigger.value!r} in status {status.value!r} "
            f"(allowed there: {', '.join(allowed) or 'nothing'})"
        )
        self.status = status
        self.trigger = trigger


def next_status(
    status: TaskStatus, trigger: Trigger, before: TaskStatus | None = None
) -> TaskStatus:
    """The status `trigger` leads to from `status`; raises `IllegalTransition` if none.

    `undo_rollback` and `clear_regression` are the triggers whose target is not in the table:
    they lead back to `before`, the status the task had before its rollback (its regression).
    """
    if trigger is T.UNDO_ROLLBACK:
        if status is S.ROLLED_BACK and before in _ROLLBACKABLE:
            return before
        raise IllegalTransition(status, trigger)
    if trigger is T.CLEAR_REGRESSION:
        if status is S.REGRESSED and before in _REGRESSABLE:
            return before
        raise IllegalTransition(status, trigger)
    try:
        return TRANSITIONS[(status, trigger)]
    except KeyError:
        raise IllegalTransition(status, trigger) from None


def can(status: TaskStatus, trigger: Trigger) -> bool:
    if trigger is T.CLEAR_REGRESSION:
        return status is S.REGRESSED
    return (status, trigger) in TRANSITIONS
