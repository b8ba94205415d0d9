"""Git for roadmapd: pre-task checkpoints, one commit per passed task, and rollbacks that never
lose work (every change to files or branches is preceded by a backup ref under refs/roadmapd/).

`GitWorkspace` is the async API; the sync functions underneath are exported for tests and tools.
Every git process starts through `gitproc.run_git` (allowlisted environment, no hooks, no
fsmonitor, no git from the working tree); snapshots never let git into a nested repository.
See docs/git.md for the refs layout, the hardening, and how to recover anything by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roadmapd.lazy import lazy_exports

if TYPE_CHECKING:  # the names, as mypy and import-linter read them (roadmapd/lazy.py)
    from .changes import changed_files, diff_since
    from .checkpoints import capture_checkpoint, latest_checkpoint
    from .commit import commit_message, commit_task
    from .faults import fault_point
    from .hooks import HookSettings
    from .integrate import Integration
    from .lanes import Lane, close_lane, open_lane
    from .listing import list_checkpoints
    from .outcomes import (
        Checkpoint,
        CheckpointInfo,
        CommitOutcome,
        FileChange,
        IgnoredPolicy,
        RollbackOutcome,
        VcsError,
    )
    from .plumbing import Plumbing
    from .rollback import restore_checkpoint, rollback_task
    from .undo import undo_rollback
    from .workspace import GitWorkspace
else:
    __getattr__ = lazy_exports(
        __name__,
        {
            ".changes": ("changed_files", "diff_since"),
            ".checkpoints": ("capture_checkpoint", "latest_checkpoint"),
            ".commit": ("commit_message", "commit_task"),
            ".faults": ("fault_point",),
            ".hooks": ("HookSettings",),
            ".integrate": ("Integration",),
            ".lanes": ("Lane", "close_lane", "open_lane"),
            ".listing": ("list_checkpoints",),
            ".outcomes": (
                "Checkpoint",
                "CheckpointInfo",
                "CommitOutcome",
                "FileChange",
                "IgnoredPolicy",
                "RollbackOutcome",
                "VcsError",
            ),
            ".plumbing": ("Plumbing",),
            ".rollback": ("restore_checkpoint", "rollback_task"),
            ".undo": ("undo_rollback",),
            ".workspace": ("GitWorkspace",),
        },
    )

__all__ = [
    "Checkpoint",
    "CheckpointInfo",
    "CommitOutcome",
    "FileChange",
    "GitWorkspace",
    "HookSettings",
    "IgnoredPolicy",
    "Integration",
    "Lane",
    "Plumbing",
    "RollbackOutcome",
    "VcsError",
    "capture_checkpoint",
    "changed_files",
    "close_lane",
    "commit_message",
    "commit_task",
    "diff_since",
    "fault_point",
    "latest_checkpoint",
    "list_checkpoints",
    "open_lane",
    "restore_checkpoint",
    "rollback_task",
    "undo_rollback",
]
