"""Diagnostics: one publisher keyed by (owner, uri) that merges everything shown for a file.

Owners are "roadmap" for the parser's problems on a roadmap file and "task:<uri>#<id>" for one
task's verification problems (on each failing file) plus its summary on the task's line. A
publish sends the union of all owners for that uri, so sources never overwrite each other and
clearing one owner is one call. `to_diagnostic` is the one Problem -> Diagnostic conversion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from lsprotocol import types

from roadmapd.problems import Problem
from roadmapd.roadmap import Task

from .documents import uri_of

ROADMAP_OWNER = "roadmap"
SUMMARY_SOURCE = "roadmapd"
Publish = Callable[[types.PublishDiagnosticsParams], None]


def to_range(problem: Problem) -> types.Range:
    r = problem.range
    return types.Range(
        types.Position(r.start.line, r.start.character), types.Position(r.end.line, r.end.character)
    )


def to_diagnostic(
    problem: Problem, related: Sequence[types.DiagnosticRelatedInformation] | None = None
) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(problem),
        message=problem.message,
        severity=types.DiagnosticSeverity(int(problem.severity)),
        source=problem.source,
        code=problem.code,
        related_information=list(related) if related else None,
    )


def task_owner(uri: str, task_id: str) -> str:
    return f"task:{uri}#{task_id}"


class DiagnosticsPublisher:
    """Holds the diagnostics of every (owner, uri) and publishes the merged list per uri."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._by_key: dict[tuple[str, str], list[types.Diagnostic]] = {}
        self._roadmap_problems: dict[str, tuple[Problem, ...]] = {}  # what is shown, per uri
        self._root: Path | None = None

    def set_root(self, root: Path | None) -> None:
        self._root = root

    def clear(self, owner: str) -> None:
        """Remove everything `owner` published, on every uri."""
        uris = [uri for (o, uri) in self._by_key if o == owner]
        for uri in uris:
            del self._by_key[(owner, uri)]
            self._send(uri)

    def current(self, uri: str) -> list[types.Diagnostic]:
        return [d for (_, u), items in self._by_key.items() if u == uri for d in items]

    def publish_roadmap_problems(
        self, uri: str, problems: Iterable[Problem], version: int | None
    ) -> None:
        """Show the parser's problems on `uri`; a no-op when they are the ones shown already."""
        shown = tuple(problems)
        if self._roadmap_problems.get(uri, ()) == shown:
            return
        self._roadmap_problems[uri] = shown
        items = [to_diagnostic(p) for p in shown]
        if items:
            self._by_key[(ROADMAP_OWNER, uri)] = items
        else:
            self._by_key.pop((ROADMAP_OWNER, uri), None)
        self._send(uri, version)

    def publish_check_problems(
        self, task_uri: str, task: Task, problems: Sequence[Problem]
    ) -> None:
        """Show a failed verification: the problems on their files, a summary on the task line."""
        owner = task_owner(task_uri, task.id)
        self.clear(owner)
        by_uri: dict[str, list[types.Diagnostic]] = defaultdict(list)
        related: list[types.DiagnosticRelatedInformation] = []
        for problem in problems:
            uri = self._file_uri(problem.file) if problem.file else task_uri
            by_uri[uri].append(to_diagnostic(problem))
            related.append(
                types.DiagnosticRelatedInformation(
                    types.Location(uri, to_range(problem)), f"{problem.source}: {problem.message}"
                )
            )
        sources = sorted({p.source for p in problems})
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        summary = types.Diagnostic(
            range=types.Range(types.Position(task.line, 0), types.Position(task.line, 0)),
            message=f"{task.id} failed verification: {count}"
            + (f" ({', '.join(sources)})" if sources else ""),
            severity=types.DiagnosticSeverity.Error,
            source=SUMMARY_SOURCE,
            code="task-failed",
            related_information=related or None,
        )
        by_uri[task_uri].append(summary)
        for uri, items in by_uri.items():
            self._by_key[(owner, uri)] = items
            self._send(uri)

    def clear_task(self, uri: str, task_id: str) -> None:
        self.clear(task_owner(uri, task_id))

    def _file_uri(self, file: str) -> str:
        path = Path(file)
        if not path.is_absolute() and self._root is not None:
            path = self._root / path
        return uri_of(path)

    def _send(self, uri: str, version: int | None = None) -> None:
        self._publish(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=self.current(uri), version=version)
        )
