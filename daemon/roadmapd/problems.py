"""The one shape of a finding, shared by the roadmap parser and the checks.

Pure data: a Problem says where (file and range, 0-based like LSP), how bad, what, and who
found it. Roadmap parse problems leave `file` as None (they belong to the roadmap document);
check problems carry a workspace-relative POSIX path. `format_problem` is the one way a problem
is written on a line (`file:line:col: message`), in the terminal, the transcript and the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

ROADMAP_FILE = "<roadmap>"  # where a problem of the roadmap itself is, when no path is known


class Severity(IntEnum):
    """Numbered as in the LSP so that the server can pass it through."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    character: int


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position

    @staticmethod
    def of_line(line: int, start: int = 0, end: int = 0) -> Range:
        return Range(Position(line, start), Position(line, end))


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    range: Range
    severity: Severity = Severity.ERROR
    source: str = "roadmapd"
    code: str | None = None
    file: str | None = None

    def location(self) -> str:
        """`file:line:col` with 1-based numbers, as terminals and editors link it."""
        return _location(self.file, self.range.start.line, self.range.start.character)


def _location(where: str | None, line: int, character: int) -> str:
    return f"{where or ROADMAP_FILE}:{line + 1}:{character + 1}"


def format_problem(where: str | None, line: int, character: int, message: str) -> str:
    """`where:line:col: message` (`line`, `character` 0-based as in a Problem; written 1-based;
    `where` None: the roadmap). The lines after the first of a long message are indented
    under it."""
    text = message.rstrip("\n").replace("\n", "\n      ")
    return f"{_location(where, line, character)}: {text}"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict as the daemon saw it: the exit code and the parsed problems."""

    name: str
    command: str
    passed: bool
    exit_code: int | None  # None when it timed out or could not start
    duration_s: float
    problems: tuple[Problem, ...] = ()
    output_tail: str = ""
    summary: str = ""  # one line, e.g. "12 passed, 1 failed" or "timed out after 60 s"
    # test id ("module.Class::test_name") -> passed, for test runners that wrote a JUnit report
    outcomes: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class CheckReport:
    """All checks of one verification: passed only if there was a check and every one passed."""

    results: tuple[CheckResult, ...]
    # the only failures are tests that failed before the task too (reported, not blamed)
    excused: bool = False

    @property
    def passed(self) -> bool:
        return bool(self.results) and (self.excused or all(r.passed for r in self.results))

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for r in self.results for p in r.problems)
