"""What a parser hands back: the problems, and for test runners how many tests really ran."""

from __future__ import annotations

from dataclasses import dataclass, field

from roadmapd.problems import Problem


@dataclass(frozen=True)
class Parsed:
    problems: list[Problem] = field(default_factory=list)
    tests_run: int | None = None  # None: the tool does not run tests (or we could not tell)
    summary: str = ""  # one line, e.g. "12 passed, 1 failed"
