"""ruff: `ruff check` JSON (`--output-format=json`), with its concise/full text and
`ruff format --check` as fallbacks when the output is not JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from roadmapd.problems import Problem, Severity
from roadmapd.verify.locations import make_problem, strip_ansi

_CONCISE = re.compile(
    r"^(?P<file>[^\s:][^:\n]*):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Za-z][\w-]*)(?::)? "
    r"(?:\[\*\] )?(?P<message>.+)$",
    re.MULTILINE,
)
_FULL = re.compile(
    r"^(?P<code>[A-Za-z][\w-]*)(?::)? (?:\[\*\] )?(?P<message>.+)\n\s*--> "
    r"(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+)$",
    re.MULTILINE,
)
_WOULD_REFORMAT = re.compile(r"^Would reformat: (?P<file>.+)$", re.MULTILINE)


def _location(item: dict[str, Any], key: str) -> tuple[int | None, int | None]:
    where = item.get(key)
    if not isinstance(where, dict):
        return None, None
    row, column = where.get("row"), where.get("column")
    return (row if isinstance(row, int) else None, column if isinstance(column, int) else None)


def _from_json(items: list[Any], root: Path, source: str) -> list[Problem]:
    problems = []
    for item in items:
        if not isinstance(item, dict):
            continue
        line, col = _location(item, "location")
        end_line, end_col = _location(item, "end_location")
        code = item.get("code")
        severity = Severity.WARNING if item.get("severity") == "warning" else Severity.ERROR
        problems.append(
            make_problem(
                root,
                source,
                str(item.get("message", "")),
                file=str(item["filename"]) if item.get("filename") else None,
                line=line,
                col=col,
                end_line=end_line,
                end_col=end_col,
                severity=severity,
                code=str(code) if code else None,
            )
        )
    return problems


def _from_text(output: str, root: Path, source: str) -> list[Problem]:
    problems = []
    for regex in (_CONCISE, _FULL):
        for m in regex.finditer(output):
            problems.append(
                make_problem(
                    root,
                    source,
                    m.group("message"),
                    file=m.group("file"),
                    line=int(m.group("line")),
                    col=int(m.group("col")),
                    code=m.group("code"),
                )
            )
        if problems:
            return problems
    for m in _WOULD_REFORMAT.finditer(output):
        problems.append(
            make_problem(
                root, source, "file would be reformatted", file=m.group("file"), code="format"
            )
        )
    return problems


def parse(output: str, root: Path, source: str) -> list[Problem]:
    text = strip_ansi(output)
    start = text.find("[")
    if start >= 0:
        try:
            data = json.loads(text[start:])
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list):
            return _from_json(data, root, source)
    return _from_text(text, root, source)
