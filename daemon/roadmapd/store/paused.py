"""The paused run of a repository: what `roadmapd run --resume` and the editor's "Resume run"
continue with.

A pause (SIGTERM to `roadmapd run`, "Roadmap: Pause" in the editor) lets the tasks under way
finish and starts no other; the run's log ends with `RunFinished.paused` listing the tasks it
did not start, and this one small document keeps them for the resume: the run's id, its
roadmap (relative to the repository) and those task ids in run order. One per repository, the
latest pause; a resume that runs to its end (not cancelled, not paused again) clears it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from roadmapd.files import file_lock, write_atomic
from roadmapd.store.state import StateStore

SCHEMA_VERSION = 1


class PausedRun(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    run_id: str
    roadmap: str  # the roadmap file, relative to the repository root
    task_ids: list[str] = Field(min_length=1)  # not started, in run order
    paused_at: datetime


def _path(store: StateStore) -> Path:
    return store.paths.paused_run_file


def save_paused(store: StateStore, run: PausedRun) -> None:
    with file_lock(store.paths.lock_file):
        write_atomic(_path(store), run.model_dump_json(indent=1).encode("utf-8"))


def load_paused(store: StateStore) -> PausedRun | None:
    """The paused run, or None (none, or unreadable: said in `store.warnings`)."""
    path = _path(store)
    try:
        doc = json.loads(path.read_bytes())
        return PausedRun.model_validate(doc)
    except FileNotFoundError:
        return None
    except (ValueError, ValidationError, UnicodeDecodeError) as exc:
        store.warnings.append(f"{path}: unreadable paused run ({str(exc).splitlines()[0]})")
        return None


def clear_paused(store: StateStore) -> None:
    """Forget the paused run (its resume finished)."""
    with file_lock(store.paths.lock_file):
        _path(store).unlink(missing_ok=True)
