"""ESLint's JSON formatter (`-f json`): one entry per file with its messages."""

from __future__ import annotations

import json
from pathlib import Path

from roadmapd.problems import Problem, Severity
from roadmapd.verify.locations import make_problem, strip_ansi


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def parse(output: str, root: Path, source: str) -> list[Problem]:
    text = strip_ansi(output)
    start = text.find("[")
    if start < 0:
        return []
    try:
        data = json.loads(text[start:])
    except json.JSONDecodeError:
        return []
    if not isinstance(data, list):
        return []
    problems = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("messages"), list):
            continue
        file = entry.get("filePath")
        for msg in entry["messages"]:
            if not isinstance(msg, dict):
                continue
            severity = Severity.ERROR if msg.get("severity") == 2 else Severity.WARNING
            rule = msg.get("ruleId")
            problems.append(
                make_problem(
                    root,
                    source,
                    str(msg.get("message", "")),
                    file=str(file) if file else None,
                    line=_int(msg.get("line")),
                    col=_int(msg.get("column")),
                    end_line=_int(msg.get("endLine")),
                    end_col=_int(msg.get("endColumn")),
                    severity=severity,
                    code=str(rule) if rule else ("fatal" if msg.get("fatal") else None),
                )
            )
    return problems
