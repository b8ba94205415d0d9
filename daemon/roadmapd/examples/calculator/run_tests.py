"""Run the tests with the standard library's unittest and write a JUnit XML report.

`python3 run_tests.py` runs every test_*.py like `python3 -m unittest`; with `--junit-xml FILE`
it also writes each test's outcome to FILE: roadmapd's check (roadmapd.toml, parser "junit")
reads from it which tests failed, where, and which ones a task turned from red to green.
Exit code: 0 if every test passed, 1 if one failed, 5 if no test ran (as pytest does).
"""

from __future__ import annotations

import argparse
import sys
import traceback
import unittest
import xml.etree.ElementTree as ET
from typing import Any

# (classname, name, outcome tag or None when it passed, message, details)
Case = tuple[str, str, str | None, str, str]


class JUnitResult(unittest.TextTestResult):
    """The usual text output, plus every outcome kept for the report."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases: list[Case] = []

    def _keep(self, test: Any, tag: str | None = None, err: Any = None, details: str = "") -> None:
        if type(test).__name__ == "_FailedTest" or not isinstance(test, unittest.TestCase):
            # a module that did not import, or a failed setUpClass: no test of it ran
            name = getattr(test, "_testMethodName", None) or test.id()
            self.cases.append(("", name, tag, "collection failure", details))
            return
        classname, _, name = test.id().rpartition(".")
        message = "".join(traceback.format_exception_only(*err[:2])).strip() if err else ""
        self.cases.append((classname, name, tag, message or details, details))

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._keep(test)

    def addExpectedFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addExpectedFailure(test, err)
        self._keep(test)

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addFailure(test, err)
        self._keep(test, "failure", err, self.failures[-1][1])

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        super().addError(test, err)
        self._keep(test, "error", err, self.errors[-1][1])

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: Any) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            details = (self.failures if failed else self.errors)[-1][1]
            self._keep(test, "failure" if failed else "error", err, f"{subtest}\n{details}")

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._keep(test, "skipped", details=reason)

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._keep(test, "failure", details="unexpected success (marked @expectedFailure)")


def write_report(cases: list[Case], path: str) -> None:
    suite = ET.Element("testsuite", name="unittest", tests=str(len(cases)))
    for classname, name, tag, message, details in cases:
        case = ET.SubElement(suite, "testcase", classname=classname, name=name)
        if tag is not None:
            ET.SubElement(case, tag, message=message).text = details
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report")
    args = parser.parse_args()
    suite = unittest.defaultTestLoader.discover(".", top_level_dir=".")
    result = unittest.TextTestRunner(resultclass=JUnitResult, verbosity=2).run(suite)
    assert isinstance(result, JUnitResult)
    if args.junit_xml:
        write_report(result.cases, args.junit_xml)
    if result.testsRun == 0:
        print("no tests ran", file=sys.stderr)
        return 5
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
