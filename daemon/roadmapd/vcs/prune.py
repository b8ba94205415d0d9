"""Cleaning up `refs/roadmapd/` (`roadmapd gc`): which refs may go, and deleting them safely.

`plan_prune` reads every ref under `refs/roadmapd/` once and decides, ref by ref, to delete it or
why it is kept (`Keep`). Nothing is deleted that rollback or undo needs, that belongs to a task
in flight, that is younger than the cut-off, or whose date cannot be read; the user's own work
(backups, undone, safety) only with `include_backups`. An attempt series (checkpoint, result and
commit of one task and number) goes as a whole or not at all. `apply_prune` deletes with
compare-and-swap, so a ref that moved since the listing stays. The policy is in docs/git.md.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from .plumbing import Plumbing
from .refs import (
    BACKUPS,
    CHECKPOINTS,
    COMMITS,
    RESULTS,
    ROOT,
    SAFETY,
    TASK_BRANCH_PREFIX,
    UNDONE,
    decode_id,
    parse_meta,
    parse_task_ref,
)

DAY = 86_400.0
TASK_KINDS = {CHECKPOINTS: "checkpoint", RESULTS: "result", COMMITS: "commit"}
WORK_KINDS = {BACKUPS: "backup", UNDONE: "undone", SAFETY: "safety"}
_SNAPSHOT_ONLY = ("checkpoint", "result")  # kinds whose date must come from snapshot metadata
_FORMAT = "%(refname)%00%(objectname)%00%(objecttype)%00%(committerdate:unix)%00%(contents)%00%00"
_BATCH = 500  # refs per update-ref transaction


class Keep(StrEnum):
    """Why a ref is kept; the value is what the listing shows."""

    LANE = "its task has a lane branch (refs/heads/roadmapd/<task>)"
    ACTIVE = "its task is queued, running, verifying or awaiting approval"
    NEWEST = "newest attempt of its task (rollback needs it)"
    NEWEST_WORK = "newest of its kind (undo needs it)"
    WORK = "your own work: deleted only with --include-backups"
    UNREADABLE = "unreadable date"
    YOUNG = "younger than the cut-off"
    SIBLING = "same attempt as a kept ref"
    UNKNOWN = "a name roadmapd does not write"


@dataclass(frozen=True)
class StoredRef:
    """A ref under refs/roadmapd/ as listed: object, kind, task, date (None: unreadable)."""

    ref: str
    oid: str
    kind: str  # checkpoint | result | commit | backup | undone | safety | other
    task_id: str | None
    n: int | None
    created_at: float | None


@dataclass(frozen=True)
class PrunePolicy:
    older_than_days: float = 30.0
    include_backups: bool = False
    busy_tasks: frozenset[str] = field(default_factory=frozenset)  # ids of active tasks
    now: float | None = None  # None: the current time

    def __post_init__(self) -> None:
        if not math.isfinite(self.older_than_days) or self.older_than_days < 0:
            raise ValueError(f"expected a number of days >= 0, got {self.older_than_days}")


@dataclass(frozen=True)
class PrunePlan:
    cutoff: float  # refs dated before this (epoch seconds) may go
    delete: tuple[StoredRef, ...]
    keep: tuple[tuple[StoredRef, Keep], ...]


@dataclass(frozen=True)
class PruneOutcome:
    deleted: tuple[StoredRef, ...]
    skipped: tuple[tuple[StoredRef, str], ...]  # approved but kept, and why


@dataclass(frozen=True)
class PruneReport:
    plan: PrunePlan
    outcome: PruneOutcome | None  # None: only listed


def scan_refs(pl: Plumbing) -> list[StoredRef]:
    """Every ref under refs/roadmapd/, with the date its snapshot metadata or commit carries."""
    out = pl.run("for-each-ref", f"--format={_FORMAT}", ROOT)[1]
    found: list[StoredRef] = []
    for record in out.split(b"\0\0\n"):
        fields = record.split(b"\0", 4)
        if len(fields) != 5:
            continue
        name, oid, otype, committed, message = (f.decode(errors="surrogateescape") for f in fields)
        kind, task_id, n = _classify(name)
        created_at, snapshot_task = _date(kind, otype, committed, message)
        found.append(StoredRef(name, oid, kind, task_id or snapshot_task, n, created_at))
    return found


def _classify(name: str) -> tuple[str, str | None, int | None]:
    for prefix, kind in TASK_KINDS.items():
        parsed = parse_task_ref(name, prefix)
        if parsed is not None:
            return kind, parsed.task_id, parsed.n
    for prefix, kind in WORK_KINDS.items():
        rest = name.removeprefix(prefix + "/")
        if rest != name and rest and "/" not in rest:
            return kind, None, None
    return "other", None, None


def _date(kind: str, otype: str, committed: str, message: str) -> tuple[float | None, str | None]:
    """(date, task id of a snapshot): the later of commit date and `Roadmap-Created`."""
    try:
        commit_date = float(committed) if otype == "commit" else math.nan
    except ValueError:
        commit_date = math.nan
    if not math.isfinite(commit_date):
        return None, None
    try:
        meta = parse_meta(message)
    except ValueError:
        return (None if kind in _SNAPSHOT_ONLY else commit_date), None
    if not math.isfinite(meta.created_at):
        return None, meta.task_id or None
    return max(commit_date, meta.created_at), meta.task_id or None


def lane_tasks(pl: Plumbing) -> set[str]:
    """Ids of the tasks that have a branch `refs/heads/roadmapd/<task>`."""
    prefix = TASK_BRANCH_PREFIX + "/"
    names = pl.text("for-each-ref", "--format=%(refname)", TASK_BRANCH_PREFIX).splitlines()
    return {decode_id(name[len(prefix) :]) for name in names if name.startswith(prefix)}


def plan_prune(pl: Plumbing, policy: PrunePolicy) -> PrunePlan:
    """What may be deleted under `policy`, and why everything else stays. Changes nothing."""
    now = time.time() if policy.now is None else policy.now
    cutoff = now - policy.older_than_days * DAY
    refs = scan_refs(pl)
    lanes = lane_tasks(pl)
    newest_n: dict[str, set[int]] = defaultdict(set)
    for kind in TASK_KINDS.values():
        latest: dict[str, int] = {}
        for r in refs:
            if r.kind == kind and r.task_id is not None and r.n is not None:
                latest[r.task_id] = max(r.n, latest.get(r.task_id, r.n))
        for task_id, n in latest.items():
            newest_n[task_id].add(n)
    work_refs: dict[str, list[str]] = defaultdict(list)
    for r in refs:
        if r.kind in WORK_KINDS.values():
            work_refs[r.kind].append(r.ref)
    newest_work = {max(names) for names in work_refs.values()}  # stamps sort by time

    def verdict(r: StoredRef) -> Keep | None:
        if r.kind == "other":
            return Keep.UNKNOWN
        if r.task_id is not None and r.task_id in lanes:
            return Keep.LANE
        if r.task_id is not None and r.task_id in policy.busy_tasks:
            return Keep.ACTIVE
        if r.kind in TASK_KINDS.values() and r.n in newest_n.get(r.task_id or "", ()):
            return Keep.NEWEST
        if r.kind in WORK_KINDS.values():
            if r.ref in newest_work:
                return Keep.NEWEST_WORK
            if not policy.include_backups:
                return Keep.WORK
        if r.created_at is None:
            return Keep.UNREADABLE
        return Keep.YOUNG if r.created_at >= cutoff else None

    reasons = {r.ref: verdict(r) for r in refs}
    for members in _attempts(refs).values():
        if any(reasons[m.ref] is not None for m in members):
            for m in members:
                reasons[m.ref] = reasons[m.ref] or Keep.SIBLING
    delete = tuple(r for r in refs if reasons[r.ref] is None)
    keep = tuple((r, why) for r in refs if (why := reasons[r.ref]) is not None)
    return PrunePlan(cutoff, delete, keep)


def _attempts(refs: Iterable[StoredRef]) -> dict[tuple[str, int], list[StoredRef]]:
    """The refs of each attempt series (task, n): its checkpoint, result and commit."""
    groups: dict[tuple[str, int], list[StoredRef]] = defaultdict(list)
    for r in refs:
        if r.kind in TASK_KINDS.values() and r.task_id is not None and r.n is not None:
            groups[(r.task_id, r.n)].append(r)
    return groups


def apply_prune(pl: Plumbing, refs: Collection[StoredRef]) -> PruneOutcome:
    """Delete each ref only if it still points where it did when listed (compare-and-swap)."""
    ordered = list(refs)
    deleted: list[StoredRef] = []
    skipped: list[tuple[StoredRef, str]] = []
    for start in range(0, len(ordered), _BATCH):
        batch = ordered[start : start + _BATCH]
        feed = "".join(f"delete {r.ref} {r.oid}\n" for r in batch)
        status, _, _ = pl.run(
            "update-ref", "--stdin", stdin=feed.encode(errors="surrogateescape"), check=False
        )
        if status == 0:
            deleted += batch
            continue
        for r in batch:  # the transaction failed as a whole: one ref at a time tells which
            status, _, err = pl.run("update-ref", "-d", r.ref, r.oid, check=False)
            if status == 0:
                deleted.append(r)
            else:
                skipped.append((r, _why_kept(pl, r, err)))
    return PruneOutcome(tuple(deleted), tuple(skipped))


def _why_kept(pl: Plumbing, r: StoredRef, err: str) -> str:
    status, out, _ = pl.run("rev-parse", "--verify", "-q", r.ref, check=False)
    if status != 0:
        return "gone since the listing"
    if out.decode().strip() != r.oid:
        return "moved since the listing"
    return f"git refused: {err.strip() or 'no reason given'}"


def prune(pl: Plumbing, policy: PrunePolicy, approved: PrunePlan | None = None) -> PruneReport:
    """List under `policy`; with `approved` (an earlier listing the user agreed to), delete the
    refs of it that are unchanged and still eligible now, and nothing else."""
    plan = plan_prune(pl, policy)
    if approved is None:
        return PruneReport(plan, None)
    current = {r.ref: r for r in plan.delete}
    current.update((r.ref, r) for r, _ in plan.keep)
    kept_now = {r.ref: why for r, why in plan.keep}
    go: list[StoredRef] = []
    skipped: list[tuple[StoredRef, str]] = []
    for r in approved.delete:
        now = current.get(r.ref)
        if now is None:
            skipped.append((r, "gone since the listing"))
        elif now.oid != r.oid:
            skipped.append((r, "moved since the listing"))
        elif r.ref in kept_now:
            skipped.append((r, f"now kept: {kept_now[r.ref]}"))
        else:
            go.append(r)
    done = apply_prune(pl, go)
    return PruneReport(plan, PruneOutcome(done.deleted, tuple(skipped) + done.skipped))
