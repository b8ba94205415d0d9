"""The generic matcher, custom patterns, parser names and path normalisation."""

from __future__ import annotations

from pathlib import Path

from roadmapd.problems import Severity
from roadmapd.verify import check_for_command, parse_check


def test_generic_lines_become_problems(tmp_path: Path) -> None:
    output = (
        "building...\n"
        "src/app.c:12:5: error: expected ';' before '}' token\n"
        f"{tmp_path}/lib/util.c:3: warning: unused variable 'x'\n"
        "12:30:45 INFO not a location\n"
        "Makefile:7: recipe for target 'all' failed\n"
    )
    problems = parse_check("regex", output, tmp_path, source="make", exit_code=2).problems
    assert [
        (p.file, p.range.start.line, p.range.start.character, p.severity) for p in problems
    ] == [
        ("src/app.c", 11, 4, Severity.ERROR),
        ("lib/util.c", 2, 0, Severity.WARNING),
        ("Makefile", 6, 0, Severity.ERROR),
    ]
    assert problems[0].message == "expected ';' before '}' token"


def test_custom_pattern(tmp_path: Path) -> None:
    pattern = r"^FAIL (?P<file>\S+) line (?P<line>\d+) \[(?P<code>\w+)\] (?P<message>.+)$"
    output = "ok a.txt\nFAIL docs/x.md line 4 [MD013] Line too long\n"
    (problem,) = parse_check("regex", output, tmp_path, source="lint", pattern=pattern).problems
    assert (problem.file, problem.range.start.line, problem.code) == ("docs/x.md", 3, "MD013")
    assert problem.message == "Line too long"


def test_custom_pattern_without_required_groups(tmp_path: Path) -> None:
    (problem,) = parse_check(
        "regex", "x", tmp_path, source="lint", pattern=r"(?P<file>\S+)"
    ).problems
    assert problem.code == "bad-pattern" and "(?P<line>...)" in problem.message


def test_unknown_parser_is_a_clear_problem(tmp_path: Path) -> None:
    (problem,) = parse_check("pytets", "", tmp_path, source="t", exit_code=0).problems
    assert problem.code == "bad-parser" and "expected one of pytest, junit" in problem.message


def test_paths_are_workspace_relative_posix(tmp_path: Path) -> None:
    output = f"./a/b.py:1: error: one\n{tmp_path}/c/d.py:2: error: two\n../out.py:3: error: three\n"
    problems = parse_check("regex", output, tmp_path, source="x").problems
    assert [p.file for p in problems] == [
        "a/b.py",
        "c/d.py",
        (tmp_path.parent / "out.py").as_posix(),
    ]
    assert problems[2].message.endswith("(file outside the workspace)")
    assert not problems[0].message.endswith("(file outside the workspace)")


def test_parser_none_reports_only_the_exit_code(tmp_path: Path) -> None:
    assert parse_check("none", "a.py:1: error: x", tmp_path, source="s", exit_code=0).problems == []
    (problem,) = parse_check("none", "boom", tmp_path, source="s", exit_code=4).problems
    assert problem.code == "exit-code" and "boom" in problem.message


def test_verify_lines_get_a_parser_from_their_tool() -> None:
    assert check_for_command("pytest tests/test_x.py -q").parser == "pytest"
    assert check_for_command(".venv/bin/python -m pytest").parser == "pytest"
    assert check_for_command("ruff check src").parser == "ruff"
    assert check_for_command("mypy --strict pkg").parser == "mypy"
    assert check_for_command("npx tsc --noEmit").parser == "tsc"
    spec = check_for_command("make check")
    assert (spec.name, spec.run, spec.parser) == ("make check", "make check", "regex")
