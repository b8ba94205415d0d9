"""The task engine: a pure state machine of a task run, driven through ports.

`TaskEngine.run(tasks)` runs tasks one at a time (checkpoint -> agent -> verify -> retry with
context -> tick + commit) and reports everything it does as typed events to one sink. It
imports no agent, git, verifier or store: see `engine/ports.py`. The state machine (a table)
is documented in `roadmapd/statuses.py`.

The package's face imports each module when one of its names is first used
(`roadmapd/lazy.py`): what needs only the events (the state store's sinks, the transcript of
`roadmapd log`) does not load the run loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roadmapd.lazy import lazy_exports

if TYPE_CHECKING:  # the names, as mypy and import-linter read them (roadmapd/lazy.py)
    from roadmapd.engine.budget import RunBudget
    from roadmapd.engine.deps import Blocker, blockers, describe, run_order
    from roadmapd.engine.engine import TaskEngine, new_run_id
    from roadmapd.engine.events import (
        AgentActivity,
        ApprovalRequested,
        AttemptStarted,
        CheckboxUpdated,
        CheckpointCreated,
        ChecksFinished,
        ChecksStarted,
        Committed,
        EngineEvent,
        Event,
        EventSink,
        EvidenceChecked,
        ReviewFinished,
        RolledBack,
        RunFinished,
        RunStarted,
        TaskNotRunnable,
        TaskOutcome,
        TaskQueued,
        TaskStatusChanged,
    )
    from roadmapd.engine.ports import (
        AgentPort,
        AgentSessionPort,
        ApprovalPort,
        BranchMode,
        CheckboxPort,
        CheckpointLike,
        CommitOutcomeLike,
        GitPort,
        LanePorts,
        LanesPort,
        ProblemFormatter,
        ReviewerPort,
        ReviewLike,
        RollbackOutcomeLike,
        StatusLookup,
        TaskLike,
        VerifierPort,
    )
    from roadmapd.engine.result import RunResult
    from roadmapd.engine.retry import compact_problems
    from roadmapd.engine.serialize import event_to_json
    from roadmapd.engine.settings import (
        RETRYABLE_OUTCOMES,
        STOP_OUTCOMES,
        EngineSettings,
        RetryMode,
    )
    from roadmapd.statuses import (
        ACTIVE,
        DONE,
        TRANSITIONS,
        IllegalTransition,
        TaskStatus,
        Trigger,
        next_status,
    )
else:
    __getattr__ = lazy_exports(
        __name__,
        {
            "roadmapd.engine.budget": ("RunBudget",),
            "roadmapd.engine.deps": ("Blocker", "blockers", "describe", "run_order"),
            "roadmapd.engine.engine": ("TaskEngine", "new_run_id"),
            "roadmapd.engine.events": (
                "AgentActivity",
                "ApprovalRequested",
                "AttemptStarted",
                "CheckboxUpdated",
                "CheckpointCreated",
                "ChecksFinished",
                "ChecksStarted",
                "Committed",
                "EngineEvent",
                "Event",
                "EventSink",
                "EvidenceChecked",
                "ReviewFinished",
                "RolledBack",
                "RunFinished",
                "RunStarted",
                "TaskNotRunnable",
                "TaskOutcome",
                "TaskQueued",
                "TaskStatusChanged",
            ),
            "roadmapd.engine.ports": (
                "AgentPort",
                "AgentSessionPort",
                "ApprovalPort",
                "BranchMode",
                "CheckboxPort",
                "CheckpointLike",
                "CommitOutcomeLike",
                "GitPort",
                "LanePorts",
                "LanesPort",
                "ProblemFormatter",
                "ReviewerPort",
                "ReviewLike",
                "RollbackOutcomeLike",
                "StatusLookup",
                "TaskLike",
                "VerifierPort",
            ),
            "roadmapd.engine.result": ("RunResult",),
            "roadmapd.engine.retry": ("compact_problems",),
            "roadmapd.engine.serialize": ("event_to_json",),
            "roadmapd.engine.settings": (
                "RETRYABLE_OUTCOMES",
                "STOP_OUTCOMES",
                "EngineSettings",
                "RetryMode",
            ),
            "roadmapd.statuses": (
                "ACTIVE",
                "DONE",
                "TRANSITIONS",
                "IllegalTransition",
                "TaskStatus",
                "Trigger",
                "next_status",
            ),
        },
    )

__all__ = [
    "ACTIVE",
    "DONE",
    "RETRYABLE_OUTCOMES",
    "STOP_OUTCOMES",
    "TRANSITIONS",
    "AgentActivity",
    "AgentPort",
    "AgentSessionPort",
    "ApprovalPort",
    "ApprovalRequested",
    "AttemptStarted",
    "Blocker",
    "BranchMode",
    "CheckboxPort",
    "CheckboxUpdated",
    "CheckpointCreated",
    "CheckpointLike",
    "ChecksFinished",
    "ChecksStarted",
    "CommitOutcomeLike",
    "Committed",
    "EngineEvent",
    "EngineSettings",
    "Event",
    "EventSink",
    "EvidenceChecked",
    "GitPort",
    "IllegalTransition",
    "LanePorts",
    "LanesPort",
    "ProblemFormatter",
    "RetryMode",
    "ReviewFinished",
    "ReviewLike",
    "ReviewerPort",
    "RollbackOutcomeLike",
    "RolledBack",
    "RunBudget",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "StatusLookup",
    "TaskEngine",
    "TaskLike",
    "TaskNotRunnable",
    "TaskOutcome",
    "TaskQueued",
    "TaskStatus",
    "TaskStatusChanged",
    "Trigger",
    "VerifierPort",
    "blockers",
    "compact_problems",
    "describe",
    "event_to_json",
    "new_run_id",
    "next_status",
    "run_order",
]
