"""What the engine adapter needs for pausing, resuming, re-verifying and answering, kept apart
from it: the paused run's record for a document (`store/paused.py`), the words a re-verify
answers, and the answer to a `needs_input` task's saved question (`store/questions.py`).

A pause in the editor pauses every run under way (`TaskEngine.pause`); each run that then
ends with tasks it did not start adds them to the repository's paused run (one record: the
roadmap of the first paused run, its tasks in order; a pause on another roadmap replaces it).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from roadmapd.agent.questions import AskFor
from roadmapd.engine.answer import Answer
from roadmapd.engine.reverify import ReverifyResult
from roadmapd.statuses import TaskStatus
from roadmapd.store import StateStore
from roadmapd.store.paused import PausedRun, clear_paused, load_paused, save_paused
from roadmapd.store.questions import load_question

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


async def answer_for(
    store: StateStore, status: TaskStatus | None, task_id: str, ask: AskFor
) -> Answer | str:
    """The user's answer to the question `task_id` stopped on, with its saved conversation;
    or why there is none (a message for the editor)."""
    if status is not TaskStatus.NEEDS_INPUT:
        return f"{task_id} has no question to answer (it is {(status or 'idle')})"
    saved = await asyncio.to_thread(load_question, store.paths, task_id)
    if saved is None:
        return f"the saved conversation of {task_id} is missing or unreadable: Retry starts over"
    text = await ask(task_id, saved.question, saved.choices)
    if text is None:
        return (
            f"no answer given: {task_id} still waits for one "
            f'(in a terminal: roadmapd answer {task_id} "…")'
        )
    return Answer(text, saved.conversation)
