"""mypy: its text lines `file:line[:col[:end_line:end_col]]: error: message  [code]` (use
`--show-column-numbers --no-error-summary`), or the JSON lines of `-O json`."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from roadmapd.problems import Problem, Severity
from roadmapd.verify.locations import make_problem, severity_of, strip_ansi

_LINE = re.compile(
    r"^(?P<file>[^\s:][^:\n]*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?"
    r"(?::(?P<end_line>\d+):(?P<end_col>\d+))?: (?P<severity>error|warning|note): "
    r"(?P<message>.*?)(?:  \[(?P<code>[\w-]+)\])?$"
)


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _json_problem(line: str, root: Path, source: str) -> Problem | None:
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(item, dict) or "message" not in item:
        return None
    message = str(item["message"])
    if item.get("hint"):
        message += f"\n{item['hint']}"

    def number(key: str, shift: int = 0) -> int | None:
        value = item.get(key)
        return value + shift if isinstance(value, int) and value >= 0 else None

    return make_problem(
        root,
        source,
        message,
        file=str(item["file"]) if item.get("file") else None,
        line=number("line"),
        col=number("column", 1),  # mypy's JSON columns are 0-based
        end_line=number("end_line"),
        end_col=number("end_column", 1),
        severity=severity_of(str(item.get("severity", "error"))),
        code=str(item["code"]) if item.get("code") else None,
    )


def parse(output: str, root: Path, source: str) -> list[Problem]:
    problems: list[Problem] = []
    last_at: tuple[str, int | None] | None = None
    for raw in strip_ansi(output).splitlines():
        line = raw.rstrip()
        if line.startswith("{"):
            found = _json_problem(line, root, source)
            if found is not None:
                problems.append(found)
            continue
        m = _LINE.match(line)
        if m is None:
            continue
        severity = severity_of(m.group("severity"))
        at = (m.group("file"), _int(m.group("line")))
        if severity is Severity.INFORMATION and problems and last_at == at:
            # A note explains the problem just before it: keep them together.
            problems[-1] = replace(problems[-1], message=f"{problems[-1].message}\n{m['message']}")
            continue
        end_col = _int(m.group("end_col"))
        problems.append(
            make_problem(
                root,
                source,
                m.group("message"),
                file=m.group("file"),
                line=_int(m.group("line")),
                col=_int(m.group("col")),
                end_line=_int(m.group("end_line")),
                end_col=end_col + 1 if end_col is not None else None,  # text end is inclusive
                severity=severity,
                code=m.group("code"),
            )
        )
        last_at = at
    return problems
