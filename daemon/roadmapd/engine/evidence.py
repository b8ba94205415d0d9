"""Evidence that a task's behaviour is tested: a test that fails before the task and passes after.

Pure rules over per-test outcomes (`CheckResult.outcomes`, from the JUnit reports):

- The **baseline** is the checks run at the checkpoint, before the first attempt. Tests failing
  there are the task's red tests (the user may have written the spec first). A module that did
  not even import at the baseline (a collection error, id `::package.module`) counts as red for
  every test in it.
- After an attempt whose checks passed, the red tests that now pass are the evidence. If there
  are none, the tests the attempt added or changed are run against the checkpoint's code (by
  the verifier: the checkpoint's files with the new test files copied in); those failing there
  and passing now are the evidence.
- Policy (`evidence`): "auto" asks for evidence when the baseline ran tests and the attempt
  changed code (not only tests, docs or configuration); "tests" always; "verify" takes the
  task's own `Verify:` commands as the evidence; "none" never.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from roadmapd.engine.verdict import FileChangeLike, is_test_file, work
from roadmapd.problems import CheckReport

EvidencePolicy = Literal["auto", "tests", "verify", "none"]
_NOT_CODE_SUFFIXES = (
    ".md",
    ".rst",
    ".txt",
    ".adoc",
    ".toml",
    ".yaml",
    ".yml",
    ".json",
    ".ini",
    ".cfg",
    ".lock",
    ".png",
    ".svg",
)


def outcomes(report: CheckReport) -> dict[str, bool]:
    """Every test id any check reported, with whether it passed (a failure anywhere wins)."""
    found: dict[str, bool] = {}
    for result in report.results:
        for test_id, passed in result.outcomes:
            found[test_id] = found.get(test_id, True) and passed
    return found


def red(report: CheckReport) -> set[str]:
    return {test_id for test_id, passed in outcomes(report).items() if not passed}


def green(report: CheckReport) -> set[str]:
    return {test_id for test_id, passed in outcomes(report).items() if passed}


def red_to_green(before: Iterable[str], after: Iterable[str]) -> set[str]:
    """The tests red before and green after; a module that failed to import counts whole."""
    red_before, green_after = set(before), set(after)
    broken = {t.removeprefix("::") for t in red_before if t.startswith("::")}
    found = red_before & green_after
    for test_id in green_after:
        module = test_id.split("::", 1)[0]
        if any(module == m or module.startswith(m + ".") for m in broken):
            found.add(test_id)
    return found


def is_code(path: str) -> bool:
    """A file whose change needs a test to show it (not a test, doc or configuration)."""
    lowered = path.lower()
    if is_test_file(path) or lowered.endswith(_NOT_CODE_SUFFIXES):
        return False
    return not lowered.startswith(("docs/", "doc/"))


def needed(
    policy: EvidencePolicy, changes: Sequence[FileChangeLike], baseline: CheckReport
) -> bool:
    if policy == "none" or policy == "verify":
        return False
    if policy == "tests":
        return True
    return bool(outcomes(baseline)) and any(is_code(c.path) for c in work(changes))


def changed_tests(changes: Sequence[FileChangeLike]) -> list[str]:
    """The test files the attempt added or changed (and kept)."""
    return [c.path for c in work(changes) if c.exists and is_test_file(c.path)]


def in_files(test_ids: Iterable[str], files: Sequence[str]) -> set[str]:
    """The ids of tests defined in `files` (`pkg.test_mod::Class::test` is in pkg/test_mod.py)."""
    stems = {f.removesuffix(".py") for f in files}
    found = set()
    for test_id in test_ids:
        module = test_id.split("::", 1)[0].replace(".", "/")
        if any(module == s or module.startswith(s + "/") for s in stems):
            found.add(test_id)
    return found


def describe(ids: Iterable[str]) -> str:
    names = sorted(i.split("::", 1)[-1] for i in ids)
    shown = ", ".join(f"`{n}`" for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def missing_reason(tried: Sequence[str], passing_before: Iterable[str]) -> str:
    """Why there is no evidence, in words the agent can act on."""
    already = sorted(set(passing_before))
    if already:
        return (
            f"no evidence that the task's behaviour is tested: your test(s) {describe(already)} "
            "also pass without your change, so they do not test the task; write a test that "
            "fails on the code before the task and passes with it"
        )
    if tried:
        return (
            "no evidence that the task's behaviour is tested: the test files you changed "
            f"({', '.join(tried[:3])}) have no test that fails before the task and passes after"
        )
    return (
        "no evidence that the task's behaviour is tested: no test failed before the task and "
        "passes now; add a test that shows what the task does"
    )


def excused_failures(
    report: CheckReport, baseline: CheckReport, changes: Sequence[FileChangeLike]
) -> set[str] | None:
    """The failing tests to report but not blame, when they are all that failed: tests that
    already failed at the baseline, in files the attempt did not touch. None when anything else
    failed (another check, a failure we cannot read, a new or related failing test)."""
    for result in report.results:
        if result.passed:
            continue
        if result.exit_code is None or not any(not ok for _, ok in result.outcomes):
            return None
    failing = red(report)
    if not failing or not failing <= red(baseline):
        return None
    touched = [c.path for c in changes]
    if in_files(failing, touched):
        return None
    return failing
