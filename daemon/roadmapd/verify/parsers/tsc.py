"""tsc: `file(line,col): error TSxxxx: message` (and `--pretty`'s `file:line:col - error TSxxxx:`),
indented continuation lines joined to the message; global errors without a file."""

from __future__ import annotations

import re
from pathlib import Path

from roadmapd.problems import Problem
from roadmapd.verify.locations import make_problem, severity_of, strip_ansi

_HEAD = re.compile(
    r"^(?:(?P<file>[^\s(:][^(\n]*?)\((?P<line>\d+),(?P<col>\d+)\): "
    r"|(?P<pfile>[^\s:][^:\n]*?):(?P<pline>\d+):(?P<pcol>\d+) - )?"
    r"(?P<severity>error|warning|message) (?P<code>TS\d+): (?P<message>.*)$"
)


def parse(output: str, root: Path, source: str) -> list[Problem]:
    found: list[tuple[re.Match[str], list[str]]] = []
    open_message: list[str] | None = None  # continuation lines go here until a blank line
    for raw in strip_ansi(output).splitlines():
        m = _HEAD.match(raw)
        if m is not None:
            open_message = [m.group("message")]
            found.append((m, open_message))
        elif open_message is not None and raw.startswith("  ") and raw.strip():
            open_message.append(raw.strip())
        else:
            open_message = None
    problems = []
    for m, lines in found:
        line = m.group("line") or m.group("pline")
        col = m.group("col") or m.group("pcol")
        problems.append(
            make_problem(
                root,
                source,
                "\n".join(lines),
                file=m.group("file") or m.group("pfile"),
                line=int(line) if line else None,
                col=int(col) if col else None,
                severity=severity_of(m.group("severity")),
                code=m.group("code"),
            )
        )
    return problems
