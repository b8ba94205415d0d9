"""`roadmapd gc [--older-than DAYS] [--dry-run] [--yes] [--include-backups]`.

Lists what would be deleted from `refs/roadmapd/` (counts and date span per kind) and why the
rest stays, then asks on a terminal; without `--yes` it refuses when stdin is not one. The
rules and the deletion live in `roadmapd.vcs.prune`; this module only talks to the user.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from roadmapd.console.common import EXIT_FAILED, EXIT_OK, CommandError, open_workspace
from roadmapd.engine import ACTIVE
from roadmapd.vcs.prune import (
    TASK_KINDS,
    WORK_KINDS,
    Keep,
    PruneOutcome,
    PrunePlan,
    PrunePolicy,
    StoredRef,
)

_KIND_ORDER = (*TASK_KINDS.values(), *WORK_KINDS.values())
_MAX_SKIPPED_SHOWN = 10


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def _kind_lines(refs: tuple[StoredRef, ...]) -> list[str]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r in refs:
        if r.created_at is not None:  # always so for a ref to delete
            by_kind[r.kind].append(r.created_at)
    lines = []
    for kind in _KIND_ORDER:
        dates = by_kind.get(kind)
        if dates:
            span = f"{_day(min(dates))} .. {_day(max(dates))}"
            lines.append(f"  {kind:<11}{len(dates):>6}   {span}")
    return lines


def describe(plan: PrunePlan, policy: PrunePolicy) -> list[str]:
    """The listing shown before anything is deleted."""
    days = f"{policy.older_than_days:g} days"
    total = len(plan.delete) + len(plan.keep)
    lines = [
        f"refs under refs/roadmapd/: {total}; cut-off: older than {days} "
        f"(before {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(plan.cutoff))})",
        f"to delete: {len(plan.delete)}"
        + (" (kind, count, oldest .. newest)" if plan.delete else ""),
        *_kind_lines(plan.delete),
    ]
    work = sum(1 for r in plan.delete if r.kind in WORK_KINDS.values())
    if work:
        lines.append(
            f"  {work} of these hold YOUR OWN WORK (states saved before rollbacks and undos): "
            "once deleted, `roadmapd rollback --undo` cannot reach them"
        )
    reasons = Counter(why for _, why in plan.keep)
    lines.append(f"kept: {len(plan.keep)}")
    for why in Keep:
        if reasons[why]:
            shown = why.value.replace("the cut-off", days) if why is Keep.YOUNG else why.value
            lines.append(f"  {reasons[why]:>6}  {shown}")
    if not policy.include_backups:
        lines.append(
            "backups, undone and safety refs hold your own work (the state before a rollback "
            "or undo): they are never deleted without --include-backups"
        )
    return lines


def _confirm(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _report(outcome: PruneOutcome) -> None:
    print(f"deleted {len(outcome.deleted)} refs")
    if outcome.skipped:
        print(f"kept {len(outcome.skipped)} that changed since the listing:")
        for r, why in outcome.skipped[:_MAX_SKIPPED_SHOWN]:
            print(f"  {r.ref}: {why}")
        if len(outcome.skipped) > _MAX_SKIPPED_SHOWN:
            print(f"  ... and {len(outcome.skipped) - _MAX_SKIPPED_SHOWN} more")
    print("the objects only they held are removed later by git's own gc (no `git gc` was run)")


def gc_command(*, older_than: float, dry_run: bool, yes: bool, include_backups: bool) -> int:
    ws = open_workspace(Path.cwd())
    try:
        busy = frozenset(t for t, state in ws.store.all().items() if state.status in ACTIVE)
        try:
            policy = PrunePolicy(older_than, include_backups, busy)
        except ValueError as exc:
            raise CommandError(f"--older-than: {exc}") from None
        plan = asyncio.run(ws.git.prune_refs(policy)).plan
        print("\n".join(describe(plan, policy)))
        if not plan.delete:
            print("nothing to delete")
            return EXIT_OK
        if dry_run:
            print("dry run: nothing deleted")
            return EXIT_OK
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    "stdin is not a terminal: pass --yes to delete these refs "
                    "(or --dry-run to only list them)"
                )
            if not _confirm(f"Delete {len(plan.delete)} refs? [y/N] "):
                print("nothing deleted")
                return EXIT_FAILED
        outcome = asyncio.run(ws.git.prune_refs(policy, plan)).outcome
        if outcome is not None:
            _report(outcome)
        return EXIT_OK
    finally:
        ws.close()
