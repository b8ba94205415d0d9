"""Shared helpers of the parsers: workspace-relative paths, 1-based to 0-based ranges, tails."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from roadmapd.problems import Position, Problem, Range, Severity

OUTSIDE_NOTE = " (file outside the workspace)"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def workspace_path(raw: str, root: Path) -> tuple[str, bool]:
    """(path, inside): `raw` as a workspace-relative POSIX path, or absolute if outside.

    Relative paths are taken relative to `root` (where the checks run).
    """
    text = raw.strip().replace("\\", "/")
    if text.startswith("file://"):
        text = text[len("file://") :]
    base = os.path.realpath(root)
    full = os.path.normpath(text if os.path.isabs(text) else os.path.join(base, text))
    candidates = {full, os.path.realpath(full)}
    for candidate in candidates:
        if candidate == base or candidate.startswith(base + os.sep):
            return PurePosixPath(Path(os.path.relpath(candidate, base))).as_posix(), True
    # `root` itself may be reached through a symlink the tool did not resolve.
    plain = os.path.normpath(os.path.abspath(root))
    if full.startswith(plain + os.sep):
        return PurePosixPath(Path(os.path.relpath(full, plain))).as_posix(), True
    return PurePosixPath(Path(full)).as_posix(), False


def make_problem(
    root: Path,
    source: str,
    message: str,
    *,
    file: str | None,
    line: int | None = None,
    col: int | None = None,
    end_line: int | None = None,
    end_col: int | None = None,
    severity: Severity = Severity.ERROR,
    code: str | None = None,
) -> Problem:
    """A Problem from a tool's 1-based line and column numbers (missing ones mean the start)."""
    path: str | None = None
    if file:
        path, inside = workspace_path(file, root)
        if not inside:
            message += OUTSIDE_NOTE
    start_line = max((line or 1) - 1, 0)
    start_col = max((col or 1) - 1, 0)
    last_line = max((end_line or 1) - 1, start_line) if end_line else start_line
    last_col = max((end_col or 1) - 1, 0) if end_col else start_col
    if last_line == start_line:
        last_col = max(last_col, start_col)
    rng = Range(Position(start_line, start_col), Position(last_line, last_col))
    return Problem(message.strip(), rng, severity, source, code, path)


def severity_of(word: str | None, default: Severity = Severity.ERROR) -> Severity:
    """Map a tool's severity word ("error", "warning", "note", ...) to a Severity."""
    if not word:
        return default
    word = word.lower()
    if word.startswith(("err", "fatal", "fail")):
        return Severity.ERROR
    if word.startswith("warn"):
        return Severity.WARNING
    if word.startswith(("note", "info")):
        return Severity.INFORMATION
    if word.startswith("hint"):
        return Severity.HINT
    return default


def tail(output: str, max_lines: int = 30, max_chars: int = 2000) -> str:
    """The last lines of an output, without colours and trailing blank lines."""
    lines = strip_ansi(output).rstrip().splitlines()[-max_lines:]
    text = "\n".join(lines)
    return text if len(text) <= max_chars else "…" + text[-max_chars:]
