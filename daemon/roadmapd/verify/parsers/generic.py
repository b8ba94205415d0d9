"""The generic matcher (parser "regex"): `file:line[:col]: message` lines, or a custom pattern."""

from __future__ import annotations

import re
from pathlib import Path

from roadmapd.problems import Problem, Severity
from roadmapd.verify.locations import make_problem, severity_of, strip_ansi

DEFAULT_PATTERN = (
    r"^\s*(?P<file>(?=[^\s:]*[A-Za-z_])[^\s:()'\"][^\s:]*):(?P<line>\d+)(?::(?P<col>\d+))?:\s*"
    r"(?:(?P<severity>error|warning|warn|note|info|hint)\b:?\s*)?(?P<message>\S.*)$"
)
_DEFAULT = re.compile(DEFAULT_PATTERN, re.IGNORECASE | re.MULTILINE)
_REQUIRED_GROUPS = ("file", "line", "message")


def _number(match: re.Match[str], group: str) -> int | None:
    if group not in match.re.groupindex:
        return None
    value = match.group(group)
    return int(value) if value and value.isdigit() else None


def _group(match: re.Match[str], group: str) -> str | None:
    return match.group(group) if group in match.re.groupindex else None


def parse(output: str, root: Path, source: str, pattern: str | None = None) -> list[Problem]:
    """Every line the pattern matches becomes a Problem (default severity: error)."""
    if pattern is None:
        regex = _DEFAULT
    else:
        try:
            regex = re.compile(pattern, re.MULTILINE)
        except re.error as exc:
            return [
                make_problem(
                    root,
                    source,
                    f"invalid pattern for check {source!r}: {exc}",
                    file=None,
                    code="bad-pattern",
                )
            ]
        missing = [g for g in _REQUIRED_GROUPS if g not in regex.groupindex]
        if missing:
            names = ", ".join(f"(?P<{g}>...)" for g in missing)
            message = f"the pattern of check {source!r} lacks the named group(s) {names}"
            return [make_problem(root, source, message, file=None, code="bad-pattern")]
    problems = []
    for match in regex.finditer(strip_ansi(output)):
        message = (match.group("message") or "").strip()
        if not message:
            continue
        problems.append(
            make_problem(
                root,
                source,
                message,
                file=match.group("file"),
                line=_number(match, "line"),
                col=_number(match, "col"),
                end_line=_number(match, "end_line"),
                end_col=_number(match, "end_col"),
                severity=severity_of(_group(match, "severity"), Severity.ERROR),
                code=_group(match, "code"),
            )
        )
    return problems
