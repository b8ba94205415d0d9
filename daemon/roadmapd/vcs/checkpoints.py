"""Pre-task checkpoints: a snapshot kept at `refs/roadmapd/checkpoints/<task>/<n>`, and lookup.

Each call makes a new numbered checkpoint for the task (n = 1, 2, ...); the newest one is what
commit and rollback work from.
"""

from __future__ import annotations

from .faults import fault_point
from .outcomes import Checkpoint, VcsError
from .plumbing import Plumbing
from .refs import CHECKPOINTS, checkpoint_ref, encode_id, parse_task_ref
from .snapshot import Snapshot, capture, load


def capture_checkpoint(pl: Plumbing, task_id: str, title: str = "") -> Checkpoint:
    """Snapshot the complete working state under a fresh checkpoint ref for `task_id`."""
    snap = capture(pl, "checkpoint", task_id, title)
    for _ in range(5):  # another process may take the same number: retry with the next one
        n = max(task_numbers(pl, task_id), default=0) + 1
        ref = checkpoint_ref(task_id, n)
        fault_point("checkpoint.before-ref")
        status, _, _ = pl.run(
            "update-ref", "-m", "roadmapd: checkpoint", ref, snap.commit, pl.zero_oid, check=False
        )
        if status == 0:
            fault_point("checkpoint.after-ref")
            return to_checkpoint(task_id, n, ref, snap)
    raise VcsError(f"could not create a checkpoint ref for task {task_id!r}")


def to_checkpoint(task_id: str, n: int, ref: str, snap: Snapshot) -> Checkpoint:
    meta = snap.meta
    return Checkpoint(
        task_id, n, ref, snap.commit, meta.head, meta.branch, meta.created_at, meta.title,
        meta.unprotected,
    )  # fmt: skip


def task_numbers(pl: Plumbing, task_id: str) -> list[int]:
    prefix = f"{CHECKPOINTS}/{encode_id(task_id)}"
    out = pl.text("for-each-ref", "--format=%(refname)", prefix)
    numbers = []
    for line in out.splitlines():
        parsed = parse_task_ref(line, CHECKPOINTS)
        if parsed is not None:
            numbers.append(parsed.n)
    return numbers


def latest_checkpoint(pl: Plumbing, task_id: str) -> Checkpoint | None:
    numbers = task_numbers(pl, task_id)
    if not numbers:
        return None
    n = max(numbers)
    ref = checkpoint_ref(task_id, n)
    commit = pl.resolve(ref)
    if commit is None:
        return None
    return to_checkpoint(task_id, n, ref, load(pl, commit))
