"""What every command needs: exit codes, user errors, and opening the workspace and its roadmap.

Light on purpose: `roadmapd tasks` needs only this and the parser. The workspace (the
composition root: the engine, git, the checks, the agent) and the configuration load when a
command opens a workspace; a command that needs no engine (`status`, `log`, `memory`) opens
its light part (`read_workspace`: the configuration and the state store).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeAlias, TypeVar

from roadmapd.files import read_text_exact
from roadmapd.parse_cache import ParseCache
from roadmapd.problems import Problem, format_problem
from roadmapd.roadmap import Roadmap, Task
from roadmapd.roadmap.dialects import is_kiro, parse_kiro
from roadmapd.secrets import protect_stdio

if TYPE_CHECKING:
    from roadmapd.workspace import Workspace
    from roadmapd.workspace_base import WorkspaceBase

#: The workspace a command opened: the whole one, or its light part.
W = TypeVar("W", bound="WorkspaceBase")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PAUSED = 3  # `roadmapd run` paused (SIGTERM): tasks are left for `run --resume`
EXIT_NEEDS_INPUT = 4  # a task's agent asked a question: `roadmapd answer` continues it
EXIT_CANCELLED = 130


class CommandError(Exception):
    """A usage, configuration or I/O problem; printed as it is, and the command exits with 2."""


def json_array(items: Sequence[Any]) -> str:
    """A JSON array with one item per line: as easy to read and grep as an indented one, and
    written by the C encoder (indenting takes the pure-Python one, ~0.7 s for 20,000 tasks)."""
    if not items:
        return "[]"
    rows = [json.dumps(item, ensure_ascii=False, separators=(", ", ": ")) for item in items]
    return "[\n " + ",\n ".join(rows) + "\n]"


#: A command starts the writer of a new entry at once, and does not wait for it.
_PARSES = ParseCache()


def read_roadmap(path: Path, kiro_globs: Sequence[str] = ()) -> Roadmap:
    """Parse the roadmap file at `path` (in Kiro's dialect when it is Kiro's, or matches
    `kiro_globs`; a big one from the parse cache when it was read before); CommandError when it
    is missing or unreadable."""
    text = read_roadmap_text(path)
    if is_kiro(path.as_posix(), kiro_globs):
        return parse_kiro(text)
    return _PARSES.parse(text, path.resolve().as_posix())


def read_roadmap_text(path: Path) -> str:
    """The roadmap file's text, line endings untouched; CommandError when it is unreadable."""
    try:
        return read_text_exact(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a directory, not a roadmap file") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None


@dataclass
class ProjectOf(Generic[W]):
    """An open workspace (the whole one or its light part) and the one roadmap file a command
    works on."""

    workspace: W
    roadmap_path: Path
    roadmap: Roadmap

    def task(self, task_id: str) -> Task:
        found = self.roadmap.task(task_id)
        if found is None:
            raise CommandError(unknown_task(task_id, self.roadmap.tasks, self.roadmap_path))
        return found


#: A project whose workspace can run tasks.
Project: TypeAlias = "ProjectOf[Workspace]"


def unknown_task(task_id: str, tasks: Sequence[Task], path: Path) -> str:
    ids = [t.id for t in tasks]
    shown = ", ".join(ids[:12]) + (", ..." if len(ids) > 12 else "")
    known = f" (its tasks: {shown})" if ids else " (it has no tasks)"
    return f"unknown task id {task_id!r} in {path.name}{known}; see `roadmapd tasks {path}`"


def open_workspace(start: Path, overrides: Mapping[str, Any] | None = None) -> Workspace:
    from roadmapd.workspace import Workspace

    return _opened(lambda: Workspace.open(start, overrides))


def read_workspace(start: Path) -> WorkspaceBase:
    """The workspace around `start` without its engine, for a command that needs none."""
    from roadmapd.workspace_base import WorkspaceBase

    return _opened(lambda: WorkspaceBase.open(start))


def _opened(open_it: Callable[[], W]) -> W:
    from roadmapd.config import ConfigError
    from roadmapd.store import StoreError
    from roadmapd.workspace_base import WorkspaceError

    try:
        ws = open_it()
    except (WorkspaceError, ConfigError, StoreError) as exc:
        raise CommandError(str(exc)) from None
    protect_stdio(ws.config.secret_env)
    return ws


def open_project(roadmap: str | None, overrides: Mapping[str, Any] | None = None) -> Project:
    """The workspace around `roadmap` (or the current directory) and its roadmap file.

    Without a path the first file matching the configured `roadmaps` patterns is used.
    """
    return _project(roadmap, lambda start: open_workspace(start, overrides))


def read_project(roadmap: str | None) -> ProjectOf[WorkspaceBase]:
    """`open_project` without the engine, for a command that needs none."""
    return _project(roadmap, read_workspace)


def _project(roadmap: str | None, open_at: Callable[[Path], W]) -> ProjectOf[W]:
    if roadmap is not None:
        path = Path(roadmap).resolve()
        if not path.is_file():
            raise CommandError(f"{roadmap}: no such file")
        ws = open_at(path.parent)
    else:
        ws = open_at(Path.cwd())
        paths = ws.roadmap_paths()
        if not paths:
            patterns = ", ".join(ws.config.roadmaps)
            raise CommandError(
                f"{ws.root}: no roadmap file found (looked for {patterns}); pass its path"
            )
        path = paths[0]
    return ProjectOf(ws, path, read_roadmap(path, ws.config.kiro_roadmaps))


def find_task_anywhere(ws: W, task_id: str, roadmap: str | None) -> ProjectOf[W]:
    """The project whose roadmap holds `task_id`: the given file, else every configured one."""
    if roadmap is not None:
        path = Path(roadmap).resolve()
        project = ProjectOf(ws, path, read_roadmap(path, ws.config.kiro_roadmaps))
        project.task(task_id)
        return project
    paths = ws.roadmap_paths()
    for path in paths:
        project = ProjectOf(ws, path, read_roadmap(path, ws.config.kiro_roadmaps))
        if project.roadmap.task(task_id) is not None:
            return project
    names = ", ".join(p.name for p in paths) or "no roadmap file"
    raise CommandError(f"unknown task id {task_id!r} (looked in {names})")


def show_path(path: Path) -> str:
    """`path` relative to the current directory when it is below it (short and clickable)."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def problem_line(problem: Problem, root: Path, document: Path | None = None) -> str:
    """`problems.format_problem` with the file relative to the current dir."""
    if problem.file is not None:
        where: str | None = show_path(root / problem.file)
    else:
        where = show_path(document) if document is not None else None
    start = problem.range.start
    return format_problem(where, start.line, start.character, problem.message)


def error(message: str, stream: TextIO | None = None) -> None:
    print(f"roadmapd: {message}", file=stream or sys.stderr)
