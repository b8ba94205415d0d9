"""What the engine adapter needs for pausing, resuming and re-verifying, kept apart from it:
the paused run's record for a document (`store/paused.py`) and the words a re-verify answers.

A pause in the editor pauses every run under way (`TaskEngine.pause`); each run that then
ends with tasks it did not start adds them to the repository's paused run (one record: the
roadmap of the first paused run, its tasks in order; a pause on another roadmap replaces it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from roadmapd.engine.reverify import ReverifyResult
from roadmapd.store import StateStore
from roadmapd.store.paused import PausedRun, clear_paused, load_paused, save_paused

from .documents import path_of, uri_of


def record_pause(store: StateStore, root: Path, uri: str, run_id: str, ids: list[str]) -> None:
    """Add the tasks a paused run of the document `uri` did not start to the paused record."""
    path = path_of(uri)
    if path is None or not path.resolve().is_relative_to(root):
        return
    roadmap = path.resolve().relative_to(root).as_posix()
    known = load_paused(store)
    if known is not None and known.roadmap == roadmap:
        ids = list(dict.fromkeys([*known.task_ids, *ids]))
        run_id = known.run_id
    record = PausedRun(run_id=run_id, roadmap=roadmap, task_ids=ids, paused_at=datetime.now(UTC))
    save_paused(store, record)


def take_paused(store: StateStore, root: Path) -> tuple[str, list[str]] | None:
    """The paused run's document uri and task ids, the record cleared; None if there is none."""
    known = load_paused(store)
    if known is None:
        return None
    clear_paused(store)
    return uri_of((root / known.roadmap).resolve()), known.task_ids


def reverify_message(result: ReverifyResult) -> str:
    """One line for the editor: what regressed, what stands, what no task owns."""
    parts = []
    if result.regressed:
        parts.append(f"regressed: {', '.join(result.regressed)}")
    fine = [r.task_id for r in result.rechecks if r.passed]
    if fine:
        parts.append(f"still passing: {', '.join(fine)}")
    unchecked = [r.task_id for r in result.rechecks if r.passed is None]
    if unchecked:
        parts.append(f"no own checks: {', '.join(unchecked)}")
    if result.unblamed:
        failing = ", ".join(c.name for c in result.unblamed)
        parts.append(f"failing project checks blamed on no task: {failing}")
    return "re-verified at HEAD: " + ("; ".join(parts) or "no done task")
