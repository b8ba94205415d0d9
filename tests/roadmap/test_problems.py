"""Problems: dependency errors with ranges and paths, look-alike checkboxes with hints."""

from __future__ import annotations

import pytest

from roadmapd.problems import Severity
from roadmapd.roadmap import parse


def test_cycle_is_reported_once_with_its_path() -> None:
    text = (
        "- [ ] T101 first\n  - Depends: T103\n"
        "- [ ] T102 second\n  - Depends: T101\n"
        "- [ ] T103 third\n  - Depends: T102\n"
        "- [ ] T104 self\n  - Depends: T104\n"
    )
    r = parse(text)
    cycles = [p for p in r.problems if p.code == "dependency-cycle"]
    assert [p.message for p in cycles] == [
        "dependency cycle: T101 -> T103 -> T102 -> T101",
        "dependency cycle: T104 -> T104",
    ]
    assert [p.range.start.line for p in cycles] == [1, 7]
    assert all(p.severity == Severity.ERROR for p in cycles)


def test_dependencies_accept_bold_keys_and_several_lines() -> None:
    text = (
        "- [ ] T001 a\n- [ ] T002 b\n  - **Depends:** T001\n"
        "  - depends on: `T001`, T003\n- [ ] T003 c\n"
    )
    r = parse(text)
    assert r.tasks[1].depends == ("T001", "T003") and r.problems == ()


def test_metadata_of_child_tasks_stays_with_them() -> None:
    text = "- [ ] T001 parent\n  - [ ] T002 child\n    - Files: x.py\n  - Files: y.py\n"
    r = parse(text)
    assert r.tasks[0].files == ("y.py",) and r.tasks[1].files == ("x.py",)


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("- [-] doing", "in progress"),
        ("- [~] doing", "in progress"),
        ("- [/] doing", "in progress"),
        ("- [] empty", "space inside"),
        ("- [x]foo", "space after the box"),
        ("- [ ]* optional", "optional"),
        ("- [ ]", "no title"),
        ("- [?] what", "only `[ ]`"),
        ("- [ x] spaced", "exactly one character"),
        ("- [  ] wide", "exactly one character"),
        ("[ ] no marker", "list marker"),
        ("text\n2. [ ] continues", "blank line before"),
        ("<details>\n- [ ] swallowed\n</details>", "HTML block"),
        ("text\n\n    - [ ] code", "indented code"),
    ],
)
def test_lookalikes_are_problems_with_hints(line: str, hint: str) -> None:
    r = parse(line)
    assert r.tasks == ()
    (problem,) = r.problems
    assert problem.code == "not-a-task" and hint in problem.message
    assert problem.severity == Severity.WARNING


@pytest.mark.parametrize(
    "text",
    ["- [link](x)", "- [x]: /ref", "```\n- [-] in a fence\n```", "<!--\n- [-] commented\n-->"],
)
def test_no_problem_for_links_fences_and_comments(text: str) -> None:
    assert parse(text).problems == ()


@pytest.mark.parametrize(
    "text", ["", "\n", "\r\n\r", "- [", "---", "---\n- [ ] x", "\t- [ ]\tx", "\x00\ufeff"]
)
def test_odd_input_never_raises(text: str) -> None:
    r = parse(text)
    assert r.line_count == len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
