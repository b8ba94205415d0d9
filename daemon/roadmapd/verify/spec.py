"""What a check is: a named shell command, how to read its output, and how long it may run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

ParserName = Literal["pytest", "junit", "ruff", "mypy", "tsc", "eslint", "regex", "none"]
PARSERS: tuple[str, ...] = get_args(ParserName)


@dataclass(frozen=True)
class CheckSpec:
    """One check. `run` is a shell command run in the workspace root.

    `pattern` is a custom regular expression for parser "regex" (named groups `file`, `line`,
    `message`; optional `col`, `end_line`, `end_col`, `severity`, `code`). A `serial` check
    never runs at the same time as another check.
    """

    name: str
    run: str
    parser: ParserName
    timeout_s: float = 300.0
    pattern: str | None = None
    serial: bool = False


_PYTEST = re.compile(r"(?:^|[\s;&|(/])(?:pytest|py\.test)(?:\s|$)|-m\s+pytest\b")
_TOOL_PARSERS: tuple[tuple[re.Pattern[str], ParserName], ...] = (
    (_PYTEST, "pytest"),
    (re.compile(r"(?:^|[\s;&|(/])ruff\s+(?:check|format)\b|-m\s+ruff\b"), "ruff"),
    (re.compile(r"(?:^|[\s;&|(/])(?:mypy|dmypy)(?:\s|$)|-m\s+mypy\b"), "mypy"),
    (re.compile(r"(?:^|[\s;&|(/])tsc(?:\s|$)"), "tsc"),
)


def guess_parser(run: str) -> ParserName:
    """The parser for a command written by hand (a task's `Verify:` line): by the tool it runs."""
    for pattern, parser in _TOOL_PARSERS:
        if pattern.search(run):
            return parser
    return "regex"


def check_for_command(run: str, name: str | None = None, timeout_s: float = 300.0) -> CheckSpec:
    """A CheckSpec for a bare command such as a task's `Verify: pytest tests/test_x.py` line."""
    return CheckSpec(
        name=name or run.strip(), run=run, parser=guess_parser(run), timeout_s=timeout_s
    )


def spec_error(spec: CheckSpec) -> str | None:
    """Why a CheckSpec cannot run, as a message that says what to fix; None if it is fine."""
    if spec.parser not in PARSERS:
        expected = ", ".join(PARSERS)
        return f"check {spec.name!r}: parser: expected one of {expected}; got {spec.parser!r}"
    if not spec.run.strip():
        return f"check {spec.name!r}: run: the command is empty"
    if not spec.timeout_s > 0:
        return f"check {spec.name!r}: timeout_s: must be a positive number of seconds"
    if spec.pattern is not None:
        try:
            compiled = re.compile(spec.pattern)
        except re.error as exc:
            return f"check {spec.name!r}: pattern: not a valid regular expression ({exc})"
        missing = [g for g in ("file", "line", "message") if g not in compiled.groupindex]
        if missing:
            return f"check {spec.name!r}: pattern: lacks the named group(s) {', '.join(missing)}"
    return None
