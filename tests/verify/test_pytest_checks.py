"""pytest checks on real projects: the daemon, not the agent, says whether tests passed."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from roadmapd.problems import Severity
from roadmapd.verify import CheckSpec, parse_check, run_checks

PY = shlex.quote(sys.executable)
ProjectFactory = Callable[[dict[str, str]], Path]


def pytest_check() -> CheckSpec:
    return CheckSpec("pytest", f"{PY} -m pytest -q -p no:cacheprovider", "pytest")


TESTS = """\
def helper(x):
    assert x == 2, "helper says no"


def test_ok():
    assert True


def test_fail():
    value = 1
    assert value == 2, "value should be two"


def test_helper():
    helper(3)
"""


async def test_passing_suite_passes(project: ProjectFactory) -> None:
    root = project({"tests/test_ok.py": "def test_one():\n    assert 1 + 1 == 2\n"})
    report = await run_checks(root, [pytest_check()])
    (result,) = report.results
    assert report.passed and result.passed
    assert result.exit_code == 0
    assert result.problems == ()
    assert result.summary == "1 passed"


async def test_failing_assertion_points_at_the_assert_line(project: ProjectFactory) -> None:
    root = project({"tests/test_mod.py": TESTS})
    report = await run_checks(root, [pytest_check()])
    (result,) = report.results
    assert not report.passed and result.exit_code == 1
    assert result.summary.startswith("1 passed, 2 failed")
    by_test = {p.message.split(" ", 1)[0]: p for p in result.problems}
    fail = by_test["test_fail"]
    assert fail.file == "tests/test_mod.py"
    assert fail.range.start.line == 10  # 0-based: `assert value == 2, ...`
    assert "value should be two" in fail.message
    assert fail.severity is Severity.ERROR and fail.source == "pytest"
    assert fail.code == "AssertionError"
    # A failure inside a helper is shown at the test's own line, with where it was raised.
    helper = by_test["test_helper"]
    assert (helper.file, helper.range.start.line) == ("tests/test_mod.py", 14)
    assert "helper says no" in helper.message
    assert "(raised at tests/test_mod.py:2)" in helper.message


async def test_collection_error_points_at_the_module(project: ProjectFactory) -> None:
    root = project(
        {
            "tests/test_good.py": "def test_fine():\n    pass\n",
            "tests/pkg/test_broken.py": "import os\nimport no_such_module_xyz\n",
        }
    )
    (result,) = (await run_checks(root, [pytest_check()])).results
    assert not result.passed
    (problem,) = result.problems
    assert problem.file == "tests/pkg/test_broken.py"
    assert problem.range.start.line == 1
    assert "collection error" in problem.message
    assert "no_such_module_xyz" in problem.message


async def test_no_tests_collected_fails(project: ProjectFactory) -> None:
    root = project({"src/app.py": "X = 1\n"})
    (result,) = (await run_checks(root, [pytest_check()])).results
    assert result.exit_code == 5
    assert not result.passed
    assert [p.code for p in result.problems] == ["no-tests"]


async def test_all_tests_skipped_fails(project: ProjectFactory) -> None:
    root = project(
        {"tests/test_s.py": "import pytest\n\n\n@pytest.mark.skip\ndef test_x():\n    pass\n"}
    )
    (result,) = (await run_checks(root, [pytest_check()])).results
    assert result.exit_code == 0
    assert not result.passed
    assert result.summary == "1 skipped"
    assert [p.code for p in result.problems] == ["no-tests"]


async def test_pytest_behind_a_wrapper_still_reports(project: ProjectFactory) -> None:
    """No pytest word in the command: the report is requested through PYTEST_ADDOPTS."""
    root = project(
        {
            "run-tests.sh": f'exec {PY} -m pytest -q -p no:cacheprovider "$@"\n',
            "tests/test_mod.py": TESTS,
        }
    )
    spec = CheckSpec("tests", "sh run-tests.sh", "pytest")
    (result,) = (await run_checks(root, [spec])).results
    assert not result.passed
    assert {p.file for p in result.problems} == {"tests/test_mod.py"}
    assert sorted(p.range.start.line for p in result.problems) == [10, 14]


def test_console_output_alone_is_parsed(project: ProjectFactory) -> None:
    """Without a JUnit report the short summary (`FAILED x::y - msg`) and counts still count."""
    root = project({"tests/test_mod.py": TESTS})
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    problems = parse_check(
        "pytest", done.stdout, root, source="pytest", exit_code=done.returncode
    ).problems
    assert {(p.file, p.range.start.line) for p in problems} == {
        ("tests/test_mod.py", 8),  # the test's def line: the console summary has no traceback
        ("tests/test_mod.py", 13),
    }
    assert any("value should be two" in p.message for p in problems)


def test_console_output_without_tests_is_a_failure(project: ProjectFactory) -> None:
    root = project({"app.py": "X = 1\n"})
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    problems = parse_check("pytest", done.stdout, root, source="pytest", exit_code=0).problems
    assert [p.code for p in problems] == ["no-tests"]


async def test_junit_parser_reads_the_report_the_command_writes(project: ProjectFactory) -> None:
    root = project({"tests/test_mod.py": TESTS})
    run = f"{PY} -m pytest -q -p no:cacheprovider --junitxml={{junit_xml}}"
    (result,) = (await run_checks(root, [CheckSpec("junit", run, "junit")])).results
    assert not result.passed
    assert sorted(p.range.start.line for p in result.problems) == [10, 14]
