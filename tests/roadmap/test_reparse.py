"""`reparse` after random edits equals a full `parse` of the new text, down to every field."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmapd.roadmap import Roadmap, parse, reparse

from .test_oracle import document, line

INSERTS = ["\n", "\n\n", "x", " ", "-", "[", "]", "#", ">", "`", "```\n", "<!--", "-->", "\r\n"]
DOC = """# Plan

## Phase 1

- [ ] Build it
  - Depends: ship
- [ ] Build it
- [x] Ship it <!-- id: ship -->

## Phase 2

- [ ] T001 First
- [ ] T001 Again
"""


def _same(got: Roadmap, want: Roadmap) -> None:
    assert (got.tasks, got.headings, got.problems, got.line_count) == (
        want.tasks,
        want.headings,
        want.problems,
        want.line_count,
    )


@st.composite
def edit(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    cut = draw(st.integers(0, 4)) if draw(st.booleans()) else draw(st.integers(0, 60))
    insert = draw(st.sampled_from(INSERTS) | line().map(lambda s: s + "\n"))
    return text[:at] + insert + text[at + cut :]


@st.composite
def session(draw: st.DrawFn) -> list[str]:
    """A document and the versions a few successive edits make of it."""
    versions = [draw(document())]
    for _ in range(draw(st.integers(1, 4))):
        versions.append(draw(edit(versions[-1])))
    return versions


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(session())
def test_reparse_equals_parse(versions: list[str]) -> None:
    current = parse(versions[0])
    for old, new in pairwise(versions):
        current = reparse(current, old, new)
        _same(current, parse(new))


def test_renaming_a_task_renumbers_the_derived_ids_after_it() -> None:
    before = parse(DOC)
    assert [t.id for t in before.tasks][:2] == ["build-it", "build-it-2"]
    new = DOC.replace("- [ ] Build it\n  - Depends", "- [ ] Build more\n  - Depends")
    after = reparse(before, DOC, new)
    _same(after, parse(new))
    assert [t.id for t in after.tasks][:2] == ["build-more", "build-it"]


def test_inserted_lines_move_the_tasks_below() -> None:
    new = DOC.replace("## Phase 2\n", "## Phase 2\n\nSome intro.\n\n")
    after = reparse(parse(DOC), DOC, new)
    _same(after, parse(new))
    assert after.tasks[-1].line == parse(DOC).tasks[-1].line + 3
    assert [p.code for p in after.problems] == ["duplicate-id"]


def test_unchanged_tasks_are_the_same_objects() -> None:
    before = parse(DOC)
    after = reparse(before, DOC, DOC.replace("[x] Ship", "[ ] Ship"))
    assert after.tasks[0] is before.tasks[0]
    assert after.tasks[-1] is before.tasks[-1]
    ship = after.task("ship")
    assert ship is not None and not ship.checked


def test_a_previous_parse_of_another_text_falls_back_to_a_full_parse() -> None:
    new = DOC + "- [ ] Later\n"
    _same(reparse(parse("- [ ] other\n"), DOC, new), parse(new))
    _same(reparse(parse(DOC), DOC, DOC), parse(DOC))


def test_front_matter_and_crlf() -> None:
    old = "---\ntitle: x\n---\n- [ ] a\n".replace("\n", "\r\n")
    for new in (
        old.replace("title", "name"),
        old.replace("---\r\n- [ ]", "- [ ]"),
        old + "- [ ] b",
    ):
        _same(reparse(parse(old), old, new), parse(new))
