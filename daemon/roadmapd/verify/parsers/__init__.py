"""Turn a check's output into Problems: one module per tool, dispatched by parser name.

Whatever the parser, a failure is never silent: a non-zero exit with no error parsed yields one
Problem carrying the tail of the output.
"""

from __future__ import annotations

from pathlib import Path

from roadmapd.problems import Severity
from roadmapd.verify.locations import make_problem, tail
from roadmapd.verify.parsers import eslint, generic, mypy, pytest_junit, ruff, tsc
from roadmapd.verify.parsers.result import Parsed
from roadmapd.verify.spec import PARSERS

TEST_PARSERS = frozenset({"pytest", "junit"})


def _by_parser(
    parser: str,
    output: str,
    root: Path,
    source: str,
    junit_xml: str | None,
    pattern: str | None,
    exit_code: int | None,
) -> Parsed:
    if parser in TEST_PARSERS:
        if parser == "junit" and junit_xml is None and output.lstrip().startswith("<"):
            junit_xml = output  # a tool that prints its JUnit report to stdout
        return pytest_junit.parse(output, root, source, junit_xml, exit_code)
    simple = {
        "ruff": ruff.parse,
        "mypy": mypy.parse,
        "tsc": tsc.parse,
        "eslint": eslint.parse,
    }
    if parser in simple:
        return Parsed(simple[parser](output, root, source))
    if parser == "regex":
        return Parsed(generic.parse(output, root, source, pattern))
    return Parsed()


def parse_check(
    parser: str,
    output: str,
    root: Path,
    *,
    source: str,
    junit_xml: str | None = None,
    pattern: str | None = None,
    exit_code: int | None = None,
) -> Parsed:
    """Problems plus test counts; the runner decides pass/fail from this and the exit code."""
    if parser not in PARSERS:
        message = (
            f"unknown parser {parser!r} for check {source!r}; expected one of {', '.join(PARSERS)}"
        )
        return Parsed([make_problem(root, source, message, file=None, code="bad-parser")])
    parsed = _by_parser(parser, output, root, source, junit_xml, pattern, exit_code)
    problems = parsed.problems
    failed_exit = exit_code is not None and exit_code != 0
    if failed_exit and not any(p.severity is Severity.ERROR for p in problems):
        shown = tail(output) or "(no output)"
        message = f"{source} failed with exit code {exit_code}; last lines of its output:\n{shown}"
        problems = [*problems, make_problem(root, source, message, file=None, code="exit-code")]
    return Parsed(problems, parsed.tests_run, parsed.summary)
