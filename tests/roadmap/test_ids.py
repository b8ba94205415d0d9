"""Task ids: explicit ids win, derived ids are stable under edits to other tasks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmapd.roadmap import parse
from roadmapd.roadmap.ids import kind_of, written_id
from roadmapd.roadmap.metadata import depends_tokens


@pytest.mark.parametrize(
    ("line", "task_id", "title", "explicit"),
    [
        ("- [ ] T001 Create the repo", "T001", "Create the repo", True),
        ("- [ ] **T189** [P] Docs", "T189", "[P] Docs", True),
        ("- [x] 1.2 Track containers", "1.2", "Track containers", True),
        ("- [x] 2.3.1 Deep", "2.3.1", "Deep", True),
        ("- [x] 1. Kiro style", "1", "Kiro style", True),
        ("- [ ] Ship it <!-- id: ship -->", "ship", "Ship it", True),
        ("- [ ] T001 Both <!-- id: wins -->", "wins", "Both", True),
        (
            "- [ ] **Phase 1: Foundation** - base",
            "phase-1-foundation-base",
            "Phase 1: Foundation - base",
            False,
        ),
        ("- [ ] 1.5x faster parsing", "1-5x-faster-parsing", "1.5x faster parsing", False),
        ("- [ ] !!!", "task", "!!!", False),
    ],
)
def test_id_and_title(line: str, task_id: str, title: str, explicit: bool) -> None:
    (task,) = parse(line).tasks
    assert (task.id, task.title, task.explicit_id) == (task_id, title, explicit)


def test_identical_titles_get_numbered_suffixes_in_document_order() -> None:
    r = parse(
        "- [ ] Write tests\n- [ ] Write tests\n- [ ] Write tests <!-- id: write-tests-2 -->\n"
    )
    assert [t.id for t in r.tasks] == ["write-tests", "write-tests-3", "write-tests-2"]


def test_duplicate_explicit_ids_are_reported_and_renamed() -> None:
    r = parse("- [ ] T001 first\n- [ ] T001 second\n")
    assert [t.id for t in r.tasks] == ["T001", "T001-2"]
    (problem,) = r.problems
    assert problem.code == "duplicate-id" and problem.range.start.line == 1
    assert "line 1" in problem.message and "T001-2" in problem.message


WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta"]
titles = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS), st.integers(0, 99)),
    min_size=2,
    max_size=12,
    unique=True,
).map(lambda ts: [f"{a} {b} {n}" for a, b, n in ts])


def _document(items: list[str], headings: list[int]) -> str:
    lines: list[str] = []
    for i, title in enumerate(items):
        if i in headings:
            lines += ["", f"## Section {i}", ""]
        lines.append(f"- [ ] {title}")
    return "\n".join(lines) + "\n"


def _ids(text: str) -> dict[str, str]:
    return {t.title: t.id for t in parse(text).tasks}


@settings(max_examples=150, deadline=None)
@given(titles, st.data())
def test_derived_ids_survive_insert_remove_and_reorder(
    items: list[str], data: st.DataObject
) -> None:
    headings = data.draw(st.lists(st.integers(0, len(items)), max_size=3))
    before = _ids(_document(items, headings))
    assert len(set(before.values())) == len(items)
    new = items[1:]  # remove one
    new.insert(data.draw(st.integers(0, len(new))), "brand new task")  # insert one
    new = data.draw(st.permutations(new))  # reorder all
    after = _ids(_document(list(new), headings))
    for title in items[1:]:
        assert after[title] == before[title]


_ID_TEXT = st.text(alphabet="T0123.*_-: <!>id AB\tx`,;", max_size=24)


@settings(max_examples=400, deadline=None)
@given(_ID_TEXT)
def test_written_id_finds_the_id_the_parser_reads(text: str) -> None:
    """The editor's view of where a task's id is written (`written_id`, for rename and
    navigation) agrees with the parse on every text."""
    parsed = parse(f"- [ ] {text}\n").tasks
    found = written_id(" " + text)
    if not parsed or not parsed[0].explicit_id:
        assert found is None or not parsed
        return
    assert found is not None
    name, kind, start, end = found
    assert name == parsed[0].id == (" " + text)[start:end]
    assert kind == "comment" or kind_of(name) == kind


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("T001, **T002**; `1.2`", [("T001", 0, 0, 4), ("T002", 8, 6, 14), ("1.2", 17, 16, 21)]),
        ("none", [("none", 0, 0, 4)]),
        ("*T1*", [("*T1*", 0, 0, 4)]),  # single stars are not quotes (as in the parse)
        ("T001, T002**", [("T001", 0, 0, 4), ("T002", 6, 6, 10)]),  # `**Depends: ...**`
    ],
)
def test_depends_tokens_are_the_parsed_values_with_their_places(
    raw: str, tokens: list[tuple[str, int, int, int]]
) -> None:
    assert depends_tokens(raw) == tokens
    values = [v for v, *_ in tokens if v != "none"]
    assert list(parse(f"- [ ] T9 a\n  - Depends: {raw}\n").tasks[0].depends) == values
