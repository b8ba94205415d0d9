"""Real-world-shaped task files: the oracle agrees, and ids, titles and metadata come out right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from roadmapd.roadmap import Roadmap, Task, parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "roadmaps"

Oracle = Callable[[str], list[tuple[int, bool]]]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.md")))
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_fixture_tasks_match_markdown_it(oracle: Oracle, name: str, newline: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8").replace("\n", newline)
    ours = [(t.line, t.checked) for t in parse(text).tasks]
    assert ours and ours == oracle(text)


def _load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _task(r: Roadmap, task_id: str) -> Task:
    task = r.task(task_id)
    assert task is not None, task_id
    return task


def test_speckit_ids_titles_and_metadata() -> None:
    r = parse(_load("speckit-tasks.md"))
    assert [t.id for t in r.tasks] == ["T001", "T002", "T003", "T004", "T005", "T006", "T189"]
    t4 = _task(r, "T004")
    assert t4.depends == ("T001", "T002")
    assert t4.files == ("daemon/roadmapd/roadmap/parser.py",)
    assert t4.verify == ("pytest tests/roadmap -q",)
    assert _task(r, "T005").depends == ("T004",)
    t6 = _task(r, "T006")
    assert t6.depends == ("T004", "T005")
    assert t6.acceptance == ("lenses appear above every task",)
    assert r.tasks[0].checked and r.tasks[1].checked and not r.tasks[2].checked
    assert _task(r, "T189").title.startswith("[P] Doc")
    assert r.task("T000") is None and r.task("T999") is None  # in a comment, in a fence
    assert r.tasks[0].headings == (
        "Tasks: Roadmap code lenses",
        "Phase 1: Setup (Shared Infrastructure)",
    )
    assert r.problems == ()


def test_kiro_numbers_and_lookalikes() -> None:
    r = parse(_load("kiro-tasks.md"))
    assert [t.id for t in r.tasks] == ["1", "2.1", "2.2", "2.2.1", "4"]
    assert _task(r, "2.2.1").parent == "2.2"
    assert _task(r, "1").body[-1] == "- _Requirements: 1.1_"
    lookalikes = [p for p in r.problems if p.code == "not-a-task"]
    assert [p.range.start.line for p in lookalikes] == [6, 15]
    assert "in progress" in lookalikes[0].message and "optional" in lookalikes[1].message


def test_phase_roadmap_structure() -> None:
    r = parse(_load("phase-roadmap.md"))
    first = r.tasks[0]
    assert first.title == "Triage the backlog before we start" and first.headings == ()
    phase = r.tasks[1]
    assert phase.title == "Phase 1: Foundation - Core infrastructure" and phase.checked
    assert phase.headings == ("Project Roadmap 🚀", "🏗️ Phase 1 — Foundation")
    children = [t for t in r.tasks if t.parent == phase.id]
    assert [t.title for t in children] == [
        "Set up CI pipeline",
        "Add ~~Travis~~ GitHub Actions",
        "Document the release process",
    ]
    assert all(t.depth == 1 for t in children)
    nested = next(t for t in r.tasks if t.title == "Task nested under a plain bullet")
    assert nested.parent is None and nested.depth == 1
    assert [t.title for t in r.tasks if "archived" in t.title.lower()] == [
        "Archived task after a blank line (Markdown resumes)",
        "Another archived task",
    ]
    assert r.tasks[-1].id == "last-one" and r.tasks[-1].explicit_id
    assert r.tasks[-1].headings == ("Project Roadmap 🚀", "Setext Section")
    assert {p.range.start.line for p in r.problems} == {6, 42, 53}
    assert [h.level for h in r.headings] == [1, 2, 2, 2]


def test_openspec_unknown_dependency_is_reported_on_its_line() -> None:
    r = parse(_load("openspec-tasks.md"))
    (problem,) = r.problems
    assert problem.code == "unknown-dependency" and "'9.9'" in problem.message
    assert problem.range.start.line == 11 and problem.source == "roadmap" and problem.file is None
