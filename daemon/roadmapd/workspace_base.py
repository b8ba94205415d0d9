"""A workspace without its engine: the git work tree's root, its configuration, its state store.

What the commands that need no engine open (`roadmapd status`, `log`, `memory`): it imports no
engine, agent, checks or git facade, so they answer in a fraction of the time the composition
root (`roadmapd.workspace.Workspace`, which adds them) takes to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadmapd.config import Config, load_config
from roadmapd.secrets import mark_secret
from roadmapd.store import StateStore

if TYPE_CHECKING:
    from roadmapd.memory import ProjectMemory


class WorkspaceError(Exception):
    """The workspace cannot be used as it is (not a git repository, bad roadmap path...)."""


def find_repo_root(start: Path) -> Path:
    """The top of the git work tree containing `start` (git run through the vcs door: the
    allowlisted environment, hardening config, never a `git` from the working tree)."""
    from roadmapd.vcs.gitproc import toplevel
    from roadmapd.vcs.outcomes import VcsError

    where = start if start.is_dir() else start.parent
    try:
        top = toplevel(where) if where.is_dir() else None
    except VcsError:
        top = None
    if top is None:
        raise WorkspaceError(
            f"{where}: not inside a git repository (roadmapd commits each task: run `git init`)"
        )
    return top


@dataclass
class WorkspaceBase:
    """A git work tree with its configuration and state store."""

    root: Path
    config: Config
    store: StateStore

    @classmethod
    def open(cls, path: Path, overrides: Mapping[str, Any] | None = None) -> WorkspaceBase:
        """The workspace around `path`: its configuration read (its secret variables marked
        for redaction) and its state store recovered from a crash."""
        root = find_repo_root(path.resolve())
        config = load_config(root, overrides)
        mark_secret(config.secret_env)
        store = StateStore(root)
        store.recover()
        return WorkspaceBase(root, config, store)

    def roadmap_paths(self) -> list[Path]:
        found: list[Path] = []
        for pattern in self.config.roadmaps:
            found += sorted(p for p in self.root.glob(pattern) if p.is_file())
        return list(dict.fromkeys(found))

    @property
    def memory(self) -> ProjectMemory:
        """The project memory of passed tasks (imported when asked for: `status` never is)."""
        from roadmapd.memory import ProjectMemory

        paths = self.store.paths
        return ProjectMemory(paths.memory_file, paths.lock_file)
