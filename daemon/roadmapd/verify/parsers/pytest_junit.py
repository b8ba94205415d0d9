"""pytest and JUnit XML: failing tests at their file and line, collection errors at the module
that failed to import, and how many tests really ran ("no tests ran" is a failure).

The XML is the primary source; pytest's console summary (`FAILED x::y - msg`) is the fallback
when no XML was written.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from roadmapd.problems import Problem, Severity
from roadmapd.verify.locations import make_problem, strip_ansi, tail, workspace_path
from roadmapd.verify.parsers.result import Parsed

_MAX_MESSAGE = 1500
# `tests/test_a.py:11: AssertionError` (--tb=long/short) and `File "x.py", line 11` (--tb=native)
_TB_LOCATION = re.compile(
    r"^(?P<file>[^\s:][^:\n]*?\.py):(?P<line>\d+):(?: (?P<what>.*))?$"
    r'|File "(?P<nfile>[^"\n]+\.py)", line (?P<nline>\d+)',
    re.MULTILINE,
)
_E_LINE = re.compile(r"^E {1,}(?P<text>.*)$", re.MULTILINE)
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Failed|Interrupt|Warning)$")
_SUMMARY_LINE = re.compile(r"^(?P<kind>FAILED|ERROR) (?P<node>\S+)(?: - (?P<msg>.*))?$", re.M)
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")
_FINAL = re.compile(r"^=*\s*(?P<counts>.*?)\s+in [\d.]+s(?: \([^)]*\))?\s*=*$", re.MULTILINE)


@dataclass(frozen=True)
class _Location:
    file: str  # workspace-relative (or absolute if outside)
    line: int  # 1-based
    what: str


def _locations(text: str, root: Path) -> list[_Location]:
    found = []
    for m in _TB_LOCATION.finditer(text):
        raw_file = m.group("file") or m.group("nfile")
        line = int(m.group("line") or m.group("nline"))
        found.append(_Location(workspace_path(raw_file, root)[0], line, m.group("what") or ""))
    return found


def _module_file(dotted: str, root: Path) -> tuple[str | None, str]:
    """(file, rest): the longest prefix of a dotted name that is a .py file under root."""
    parts = [p for p in dotted.split(".") if p]
    for i in range(len(parts), 0, -1):
        candidate = "/".join(parts[:i]) + ".py"
        if (root / candidate).is_file():
            return candidate, ".".join(parts[i:])
    return None, dotted


def _module_of(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _def_line(root: Path, file: str, test_name: str) -> int | None:
    """1-based line of `def test_name(` in file, if found."""
    bare = test_name.split("[", 1)[0]
    pattern = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(bare)}\s*\(")
    try:
        lines = (root / file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return next((i + 1 for i, text in enumerate(lines) if pattern.match(text)), None)


def _failure_text(message: str, text: str) -> str:
    explained = [m.group("text").rstrip() for m in _E_LINE.finditer(text)]
    if message and message != "collection failure":
        body = message
    elif explained:
        body = "\n".join(explained)
    else:
        body = "\n".join(text.strip().splitlines()[-5:]) or "no details in the report"
    return body if len(body) <= _MAX_MESSAGE else body[:_MAX_MESSAGE] + "…"


def _testcase_problem(case: ET.Element, outcome: ET.Element, root: Path, source: str) -> Problem:
    classname, name = case.get("classname", ""), case.get("name", "")
    text = strip_ansi(outcome.text or "")
    message = strip_ansi(outcome.get("message", ""))
    locations = _locations(text, root)
    collection = not classname or message == "collection failure"
    if collection:
        file, rest = _module_file(name, root)
        label = f"collection error in {file or name}"
    else:
        file, rest = _module_file(classname, root)
        if file is None:  # rootdir differs from the workspace: match the traceback's files
            file = next(
                (loc.file for loc in locations if classname.startswith(_module_of(loc.file))), None
            )
            rest = classname[len(_module_of(file)) + 1 :] if file else ""
        kind = "failed" if outcome.tag == "failure" else "error"
        label = f"{rest + '.' if rest else ''}{name} {kind}"
    body = _failure_text(message, text)
    own = [loc for loc in locations if loc.file == file] if file else []
    line: int | None = None
    if own:
        line = own[0].line  # the test's own frame: the assert, or the call that failed
        deepest = locations[-1]
        if deepest is not own[0]:
            body += f"\n(raised at {deepest.file}:{deepest.line})"
    elif case.get("file"):  # the xunit1 attributes (pytest's `line` is 0-based)
        file, raw_line = case.get("file"), case.get("line", "")
        line = int(raw_line) + 1 if raw_line.isdigit() else None
    elif file and not collection:
        line = _def_line(root, file, name)
    elif locations:
        file, line = locations[-1].file, locations[-1].line
    code = next((loc.what for loc in reversed(locations) if _EXCEPTION.match(loc.what)), None)
    return make_problem(root, source, f"{label}: {body}", file=file, line=line, code=code)


def test_outcomes(xml_text: str) -> tuple[tuple[str, bool], ...]:
    """(test id, passed) for every test case of a JUnit report; skipped ones are left out."""
    try:
        document = ET.fromstring(xml_text)
    except ET.ParseError:
        return ()
    found: dict[str, bool] = {}
    for case in document.iter("testcase"):
        if case.find("skipped") is not None:
            continue
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        failed = case.find("failure") is not None or case.find("error") is not None
        found[test_id] = found.get(test_id, True) and not failed
    return tuple(sorted(found.items()))


def parse_junit(xml_text: str, root: Path, source: str) -> Parsed | None:
    """Problems and counts from a JUnit XML document; None if it is not one."""
    try:
        document = ET.fromstring(xml_text)
    except ET.ParseError:
        return None
    problems: list[Problem] = []
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    for case in document.iter("testcase"):
        outcomes = [child for child in case if child.tag in ("failure", "error")]
        if any(child.tag == "skipped" for child in case) and not outcomes:
            counts["skipped"] += 1
            continue
        for outcome in outcomes:
            problems.append(_testcase_problem(case, outcome, root, source))
        if not outcomes:
            counts["passed"] += 1
        elif any(o.tag == "failure" for o in outcomes):
            counts["failed"] += 1
        else:
            counts["errors"] += 1
    collection_errors = sum(1 for p in problems if p.message.startswith("collection error"))
    tests_run = sum(counts.values()) - counts["skipped"] - collection_errors
    summary = ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "no tests ran"
    return Parsed(problems, tests_run, summary)


def parse_console(output: str, root: Path, source: str) -> Parsed:
    """Fallback: pytest's short summary lines and its final counts line."""
    text = strip_ansi(output)
    problems = []
    for m in _SUMMARY_LINE.finditer(text):
        file, _, test = m.group("node").partition("::")
        file = workspace_path(file, root)[0]
        test_name = test.rsplit("::", 1)[-1]
        line = _def_line(root, file, test_name) if test_name else None
        what = f"{test.replace('::', '.')} {m['kind'].lower()}" if test else "collection error"
        message = f"{what}: {m.group('msg') or 'see the test output'}"
        problems.append(make_problem(root, source, message, file=file, line=line))
    finals = list(_FINAL.finditer(text))
    tests_run: int | None = None
    summary = ""
    if finals:
        counts = {kind: int(n) for n, kind in _COUNT.findall(finals[-1].group("counts"))}
        tests_run = sum(counts.get(k, 0) for k in ("passed", "failed", "xfailed", "xpassed"))
        summary = finals[-1].group("counts").strip()
    return Parsed(problems, tests_run, summary)


def parse(
    output: str, root: Path, source: str, junit_xml: str | None, exit_code: int | None
) -> Parsed:
    parsed = parse_junit(junit_xml, root, source) if junit_xml else None
    if parsed is None:
        parsed = parse_console(output, root, source)
    problems = list(parsed.problems)
    message = None
    if any(p.severity is Severity.ERROR for p in problems):
        pass  # the failures explain themselves
    elif exit_code == 5 or parsed.tests_run == 0:
        message = "no tests ran: a check that tests nothing fails"
    elif parsed.tests_run is None and exit_code is not None:
        message = "could not tell whether any test ran (no JUnit XML and no pytest summary)"
    if message is not None:
        if exit_code:
            message += f"; exit code {exit_code}"
        message += f"; last lines of the output:\n{tail(output) or '(no output)'}"
        problems.append(make_problem(root, source, message, file=None, code="no-tests"))
    return Parsed(problems, parsed.tests_run, parsed.summary)
