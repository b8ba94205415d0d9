"""Kiro, Spec Kit and cc-sdd task files (`roadmap/dialects.py`), from fixtures written after each
tool's documented format. Where Kiro's reading differs from GitHub's rendering (`[-]` and
`[ ]*` are no checkboxes on GitHub), the oracle checks the difference is exactly those items: the
Kiro view renders, to markdown-it-py, as the original plus those boxes, at the same lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from roadmapd.roadmap import apply_edit, checkbox_edit, parse
from roadmapd.roadmap.dialects import is_kiro, kiro_view, parse_file, parse_kiro

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "roadmaps"


def load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_kiro_reads_in_progress_and_optional_tasks() -> None:
    r = parse_kiro(load("kiro-tasks.md"))
    assert [t.id for t in r.tasks] == ["1", "2", "2.1", "2.2", "2.2.1", "3.5", "4"]
    assert r.in_progress == {"2"} and r.optional == {"3.5"}
    assert [p for p in r.problems if p.code == "not-a-task"] == []  # not look-alikes here
    task = r.task("3.5")
    assert task is not None and task.title == "Write property tests (optional)"
    assert task.body == ("- _Requirements: 4.1_",)  # Kiro's requirement lines stay in the body
    last = r.task("4")
    assert last is not None and last.depends == ("2.1", "2.2")


def test_the_kiro_view_keeps_every_position_so_ticks_edit_the_real_text() -> None:
    text = load("kiro-tasks.md")
    view, busy, optional = kiro_view(text)
    assert len(view) == len(text) and view.count("\n") == text.count("\n")
    assert busy == {6} and optional == {15}
    assert "- [ ] 2. Implement" in view and "- [ ]  3.5 Write" in view
    change = checkbox_edit(text, "2", True, "/p/.kiro/specs/x/tasks.md")  # the `[-]` task
    edit = change.edit
    assert edit is not None  # ticking it writes `[x]` over its box
    changed = apply_edit(text, edit)
    assert "- [x] 2. Implement data models" in changed and len(changed) == len(text)


def test_kiro_differs_from_github_exactly_by_its_own_boxes(
    oracle: Callable[[str], list[tuple[int, bool]]],
) -> None:
    text = load("kiro-tasks.md")
    view, busy, optional = kiro_view(text)
    github = oracle(text)
    kiro = oracle(view)
    assert [(t.line, t.checked) for t in parse_kiro(text).tasks] == kiro
    assert sorted(set(kiro) - set(github)) == [(line, False) for line in sorted(busy | optional)]
    assert set(github) <= set(kiro)


def test_only_kiro_files_are_read_the_kiro_way() -> None:
    assert is_kiro("/p/.kiro/specs/auth/tasks.md")
    assert is_kiro("file:///p/.kiro/specs/auth/tasks.md")
    assert not is_kiro("/p/.kiro/specs/auth/design.md")
    assert not is_kiro("/p/specs/001-x/tasks.md") and not is_kiro("/p/ROADMAP.md")
    text = load("kiro-tasks.md")
    elsewhere = parse_file("/p/ROADMAP.md", text)
    assert [p.range.start.line for p in elsewhere.problems if p.code == "not-a-task"] == [6, 15]
    assert elsewhere.in_progress == frozenset() and elsewhere.optional == frozenset()
    assert parse_file("/p/.kiro/specs/x/tasks.md", text).in_progress == {"2"}


def test_spec_kit_marks_stay_in_titles_and_phases_are_sections() -> None:
    r = parse(load("speckit-tasks.md"))
    t002 = r.task("T002")
    assert t002 is not None and "[P]" in t002.title
    assert any(h.startswith("Phase 1") for h in t002.headings)
    stories = [t for t in r.tasks if "[US1]" in t.title]
    assert stories, "the fixture's user-story tasks keep their tag"


def test_cc_sdd_italic_depends_lines_are_dependencies() -> None:
    r = parse_file("/p/.kiro/specs/notify/tasks.md", load("ccsdd-tasks.md"))
    assert [t.id for t in r.tasks] == ["1", "1.1", "1.2", "2", "2.1", "2.2"]
    one_two, two_one = r.task("1.2"), r.task("2.1")
    assert one_two is not None and one_two.depends == ("1.1",)
    assert two_one is not None and two_one.depends == ("1.1", "1.2")
    assert "(P)" in one_two.title and "- _Requirements: 2.1_" in one_two.body
    assert r.optional == {"2.2"} and r.problems == ()


def test_a_configured_glob_reads_other_files_the_kiro_way() -> None:
    globs = ["plan/tasks.md", "./docs/*.md"]
    assert is_kiro("/p/plan/tasks.md", globs) and is_kiro("plan/tasks.md", globs)
    assert is_kiro("file:///p/docs/next.md", globs)
    assert not is_kiro("/p/plan/other.md", globs) and not is_kiro("/p/ROADMAP.md", globs)
    text = load("kiro-tasks.md")
    assert parse_file("/p/plan/tasks.md", text, globs).optional == {"3.5"}
    assert parse_file("/p/plan/tasks.md", text).optional == frozenset()
