"""The bulk paths of a full parse equal their one-at-a-time counterparts.

`names.names_of` (titles and slugs of all tasks at once) against `ids.name` per text, and
`assemble.tasks_of` (every Task built column by column) against `build.build` per draft, the
path `reparse` takes; plus the Task value itself, which is stored as a tuple.
"""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, fields, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmapd.roadmap import Task, parse
from roadmapd.roadmap.build import RECENT, assign_ids, build
from roadmapd.roadmap.ids import name
from roadmapd.roadmap.names import names_of
from roadmapd.roadmap.parser import front_matter_end, normalise
from roadmapd.roadmap.scanner import Scanner

from .test_oracle import document

PIECES = [
    "Build", "the", "parser", "**bold**", "** not bold**", "**open", "***", "****", "__u__",
    "T001", "T1", "**T189**", "1.2", "2.3.1", "1.", "1.5x", "<!-- id: x -->", "<!--", "-->",
    "é", "日本", "🚀", "\t", "\x0b", "\xa0", "  ", " ", "!!!", "-", "_", ":", "`code`", "[P]",
    "a" * 30, "-".join(["abcdefghij"] * 6), "x_y", "CamelCase", "UPPER-42", "a**b**c", "**trail **",
]  # fmt: skip


@st.composite
def task_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8))
    text = draw(st.sampled_from(["", " ", "  "])).join(parts).strip()
    return text or "x"


@settings(max_examples=300, deadline=None)
@given(st.lists(task_text(), max_size=12))
def test_names_in_bulk_equal_names_one_by_one(texts: list[str]) -> None:
    assert names_of(texts) == [name(t) for t in texts]


def test_names_in_bulk_of_plain_texts() -> None:
    texts = [f"**Task {n}: parse scan lens** - make it  work {n}" for n in range(50)]
    texts += ["!!!", "", "a" * 60, "-".join(["abcdefghij"] * 8), "**x** and **y **"]
    assert names_of(texts) == [name(t) for t in texts]


def _built_one_by_one(text: str) -> list[Task]:
    lines = normalise(text).split("\n")
    scanner = Scanner()
    scanner.scan(lines, front_matter_end(lines))
    drafts = scanner.drafts
    for i, d in enumerate(drafts):
        d.index = i
    names = [name(d.text) for d in drafts]
    ids, _ = assign_ids(names)
    parents = [None if d.parent is None else ids[d.parent.index] for d in drafts]
    RECENT.clear()
    return [build(d, names[i], ids[i], parents[i], lines) for i, d in enumerate(drafts)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_tasks_built_in_bulk_equal_tasks_built_one_by_one(text: str) -> None:
    assert list(parse(text).tasks) == _built_one_by_one(text)


def test_bulk_build_of_bodies_metadata_and_wide_characters() -> None:
    text = (
        "# Plan\n\n- [ ] 🚀 Launch\n  Some detail\n  - Verify: pytest -q\n"
        "\n  ```sh\n  make\n  ```\n"
        "- [x] T002 Done 😀\n  - Depends: T001, nope\n  - [ ] child\n\t- Files: a.py\n"
    )
    assert list(parse(text).tasks) == _built_one_by_one(text)


def test_a_task_is_a_frozen_dataclass_value() -> None:
    task = parse("- [ ] Ship it\n").tasks[0]
    assert [f.name for f in fields(task)][:3] == ["id", "title", "line"]
    renamed = replace(task, id="other")
    assert renamed.id == "other" and renamed.title == task.title and renamed != task
    assert replace(task) == task and hash(replace(task)) == hash(task)
    assert copy.copy(task) == task and pickle.loads(pickle.dumps(task)) == task
    assert task != tuple(task) and tuple(task) != task
    assert repr(task).startswith("Task(id='ship-it', title='Ship it', line=0,")
    with pytest.raises(FrozenInstanceError):
        task.id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        _ = task < task
