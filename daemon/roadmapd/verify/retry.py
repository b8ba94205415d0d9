"""Rank and bound the problems of a failed verification for the next attempt's prompt."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from roadmapd.problems import Problem

MAX_MESSAGE_CHARS = 800


def _entry(problem: Problem) -> str:
    message = problem.message.strip() or "(no message)"
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "…"
    message = message.replace("\n", "\n    ")
    code = f" {problem.code}" if problem.code else ""
    where = f"{problem.location()}: " if problem.file else ""  # a check-level problem
    return f"{where}[{problem.source}{code}] {message}"


def rank(problems: Sequence[Problem]) -> list[Problem]:
    """Errors before warnings; within a severity, each file's first problem before any file's
    second one (so a bounded list covers as many files as possible), otherwise in given order."""
    seen: defaultdict[tuple[int, str | None], int] = defaultdict(int)
    keyed = []
    for index, problem in enumerate(problems):
        key = (int(problem.severity), problem.file)
        keyed.append(((int(problem.severity), seen[key], index), problem))
        seen[key] += 1
    return [problem for _, problem in sorted(keyed, key=lambda item: item[0])]


def format_for_retry(problems: Sequence[Problem], max_chars: int = 4000) -> str:
    """One `file:line:col: [source code] message` entry per problem, most relevant first, at
    most `max_chars` long, ending with "... and N more" when some had to be left out."""
    entries = [_entry(problem) for problem in rank(problems)]
    lines: list[str] = []
    used = -1  # no newline before the first line
    for index, entry in enumerate(entries):
        left = len(entries) - index - 1
        reserve = len(f"\n... and {left} more") if left else 0
        if used + 1 + len(entry) + reserve <= max_chars:
            lines.append(entry)
            used += 1 + len(entry)
            continue
        if not lines:  # always show the start of the most relevant problem
            lines.append(entry[: max(max_chars - reserve - 1, 0)] + "…")
            if left:
                lines.append(f"... and {left} more")
            break
        lines.append(f"... and {left + 1} more")
        break
    return "\n".join(lines)
