"""A parse dumped to plain values, marshalled and loaded back equals the parse in every field
(tasks, headings, problems, the re-parse memo), and `reparse` goes on from it as from a parse."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmapd.roadmap import Roadmap, parse, reparse, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "roadmaps"

LINES = [
    "# Plan", "## Phase 1", "### 1.1 Section", "", "", "Intro text.", "---", "title: x",
    "- [ ] T001 Build it", "- [x] T002 Ship it", "- [ ] Build it", "- [ ] Ünïcode \"q\" \\ é日本",
    "  - [ ] Write the layer", "    - [x] Cover the case", "    Keep it stable.",
    "  - Depends: T001, T009", "  - Depends: build-it", "  - Files: a.py, `b.py`",
    "  - Acceptance:", "    - handles input", "  - Verify: pytest -q", "  The body line.",
    "```", "- [ ] not a task", "```", "[ ] boxed", "1. [ ] numbered", "> - [ ] quoted",
    "- [ ] Again <!-- id: T001 -->", "- [ ] Self <!-- id: self -->", "  - depends: self",
    "\t- [ ] tab", "- [-] odd box", "| a | b |", "|---|---|", "===", "- [ ] T003 Crlf\r",
]  # fmt: skip


def roundtrip(roadmap: Roadmap, text: str) -> Roadmap:
    return snapshot.load(marshal.loads(marshal.dumps(snapshot.dump(roadmap))), text)


def same(got: Roadmap, want: Roadmap) -> None:
    assert got == want  # tasks, headings, problems, line count
    assert got._memo == want._memo
    assert got._by_id == want._by_id
    assert (got.in_progress, got.optional) == (want.in_progress, want.optional)


documents = st.lists(st.sampled_from(LINES), max_size=40).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, edit=st.tuples(st.integers(0, 10_000), st.sampled_from(LINES)))
def test_a_loaded_snapshot_is_the_parse_and_reparses_like_it(
    text: str, edit: tuple[int, str]
) -> None:
    parsed = parse(text)
    loaded = roundtrip(parsed, text)
    same(loaded, parsed)
    lines = text.split("\n")
    at, line = edit
    lines.insert(at % (len(lines) + 1), line)
    edited = "\n".join(lines)
    same(reparse(loaded, text, edited), parse(edited))


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.md")), ids=lambda p: p.name)
def test_every_fixture_roadmap_comes_back_whole(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    same(roundtrip(parse(text), text), parse(text))


def test_a_snapshot_of_another_text_or_format_is_refused() -> None:
    text = "# Plan\n- [ ] T001 Build it\n"
    data = snapshot.dump(parse(text))
    with pytest.raises(ValueError, match="another text"):
        snapshot.load(data, text + "\n- [ ] T002 More\n")
    with pytest.raises(ValueError, match="format"):
        snapshot.load((snapshot.FORMAT + 1, *data[1:]), text)
    with pytest.raises((ValueError, TypeError)):
        snapshot.load(("not", "a", "snapshot"), text)
