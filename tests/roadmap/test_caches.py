"""The parser's caches (task names, metadata lines, recent tasks) never change a result."""

from __future__ import annotations

from roadmapd.roadmap import Roadmap, parse, reparse
from roadmapd.roadmap.parser import clear_caches

DOC = """# Plan

## Phase 1

- [ ] **Build** the parser
  - Depends: ship
  - Files: a.py, b.py
- [x] Ship it <!-- id: ship -->
  - Verify: pytest -q
"""


def _same(a: Roadmap, b: Roadmap) -> None:
    assert (a.tasks, a.headings, a.problems, a.line_count) == (
        b.tasks,
        b.headings,
        b.problems,
        b.line_count,
    )


def test_warm_parse_equals_cold_parse() -> None:
    clear_caches()
    cold = parse(DOC)
    _same(parse(DOC), cold)
    clear_caches()
    _same(parse(DOC), cold)


def test_a_task_that_moves_is_rebuilt_where_it_now_is() -> None:
    parse(DOC)
    moved = DOC.replace("## Phase 1\n", "## Phase 2\n\nIntro.\n")
    clear_caches()
    expected = parse(moved)
    parse(DOC)
    got = parse(moved)
    _same(got, expected)
    build = got.task("build-the-parser")
    assert build is not None
    assert (build.line, build.headings) == (6, ("Plan", "Phase 2"))


def test_a_one_character_edit_changes_only_that_task() -> None:
    before = parse(DOC)
    after = parse(DOC.replace("- [x] Ship", "- [ ] Ship"))
    assert [t.checked for t in after.tasks] == [False, False]
    assert after.tasks[0] == before.tasks[0]
    assert after.tasks[1] != before.tasks[1]


CYCLE = """# Plan

- [ ] T001 First
  - Depends: T002
- [ ] T002 Second
  - Depends: T001
- [ ] T003 Third
  - Depends: T009
"""


def _dependency_problems(roadmap: Roadmap) -> list[tuple[str | None, int, str]]:
    return [(p.code, p.range.start.line, p.message) for p in roadmap.problems]


def test_kept_dependency_findings_follow_every_edit_of_the_graph() -> None:
    clear_caches()
    before = parse(CYCLE)
    assert [c for c, _, _ in _dependency_problems(before)] == [
        "dependency-cycle",
        "unknown-dependency",
    ]
    steps = [
        CYCLE.replace("First", "The first"),  # the same graph: the kept findings
        CYCLE.replace("Depends: T001", "Depends: none"),  # the cycle is gone
        CYCLE.replace("Depends: T009", "Depends: T001"),  # the unknown id is gone
        CYCLE.replace("- [ ] T003", "- [ ] T009"),  # the id appears: only the cycle is left
        "# Moved down\n\n" + CYCLE,  # same graph, other lines: ranges follow the text
        CYCLE,
    ]
    previous, old = before, CYCLE
    for text in steps:
        edited = reparse(previous, old, text)
        clear_caches()
        assert _dependency_problems(edited) == _dependency_problems(parse(text)), text
        previous, old = edited, text
    assert _dependency_problems(previous) == _dependency_problems(before)
