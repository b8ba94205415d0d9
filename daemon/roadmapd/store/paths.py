"""Where roadmapd keeps its state: the one module that knows the paths.

Layout under the state root (`platformdirs.user_state_dir("roadmapd")`, or `$ROADMAPD_STATE_DIR`):

    repos/<slug>-<hash>/          one folder per repository (dir name + hash of its real path)
        repo.json                 which repository this folder belongs to (for humans)
        state.lock                the inter-process lock (fcntl.flock)
        tasks/<task>.json         one state document per task
        runs/<run-id>.jsonl       one event log per run
        published/<task>.json     PR mode: the task's branch, push result, PR URL and state
        questions/<task>.json     a task's pending question and its saved conversation
        memory.json               project memory: outcomes of passed tasks (`roadmapd.memory`)
        paused-run.json           the tasks a paused run did not start (`store/paused.py`)
        worktrees/<task>/         git worktrees of tasks running in parallel (`roadmapd.vcs`)
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_STATE_DIR = "ROADMAPD_STATE_DIR"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def state_root() -> Path:
    override = os.environ.get(ENV_STATE_DIR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_state_dir("roadmapd"))


def _short_hash(text: str, n: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def repo_key(repo: Path) -> str:
    """`myproject-3f9a1c2b4d5e`: readable, and unique per resolved repository path."""
    resolved = repo.resolve()
    slug = _UNSAFE.sub("-", resolved.name).strip("-.")[:40] or "repo"
    return f"{slug}-{_short_hash(str(resolved), 12)}"


def task_file_name(task_id: str) -> str:
    """Task ids that are safe file names are kept; others get a slug plus a hash."""
    if _UNSAFE.search(task_id) is None and not task_id.startswith(".") and len(task_id) <= 80:
        return f"{task_id}.json"
    slug = _UNSAFE.sub("_", task_id).strip("._")[:60]
    return f"{slug}-{_short_hash(task_id, 10)}.json"


def check_run_id(run_id: str) -> str:
    if _RUN_ID.fullmatch(run_id) is None:
        raise ValueError(
            f"invalid run id {run_id!r}: expected letters, digits, '.', '_' or '-' (max 128)"
        )
    return run_id


@dataclass(frozen=True, slots=True)
class StatePaths:
    dir: Path

    @classmethod
    def for_repo(cls, repo: Path, root: Path | None = None) -> StatePaths:
        return cls((root or state_root()) / "repos" / repo_key(repo))

    @property
    def repo_file(self) -> Path:
        return self.dir / "repo.json"

    @property
    def lock_file(self) -> Path:
        return self.dir / "state.lock"

    @property
    def tasks_dir(self) -> Path:
        return self.dir / "tasks"

    @property
    def runs_dir(self) -> Path:
        return self.dir / "runs"

    @property
    def memory_file(self) -> Path:
        return self.dir / "memory.json"

    @property
    def paused_run_file(self) -> Path:
        return self.dir / "paused-run.json"

    @property
    def worktrees_dir(self) -> Path:
        return self.dir / "worktrees"

    def task_file(self, task_id: str) -> Path:
        return self.tasks_dir / task_file_name(task_id)

    @property
    def published_dir(self) -> Path:
        return self.dir / "published"

    def published_file(self, task_id: str) -> Path:
        return self.published_dir / task_file_name(task_id)

    def question_file(self, task_id: str) -> Path:
        return self.dir / "questions" / task_file_name(task_id)

    def run_log(self, run_id: str) -> Path:
        return self.runs_dir / f"{check_run_id(run_id)}.jsonl"
