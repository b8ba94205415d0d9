"""The lens cache against its oracle: after any sequence of state changes and edits, the
cached payload equals the lenses built from scratch for the same document and states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pygls.workspace import TextDocument

from roadmapd.server.documents import Documents, Parsed
from roadmapd.server.lens_cache import DocumentLenses, LensCache
from roadmapd.server.task_states import InMemoryTaskStates
from roadmapd_protocol import TaskState

ROADMAP = """\
# Plan

## Phase 1
- [ ] T001 Build the parser
- [x] T002 Write the docs
- [ ] T003 Wire it up
  - depends: T001, T002

## Phase 2
- [ ] T004 Ship it
  - depends: T003
- [ ] T005 Announce it
"""


class Buffers:
    """One open buffer, edited like an editor does (whole text, new version)."""

    def __init__(self, root: Path, text: str) -> None:
        self.uri = (root / "ROADMAP.md").as_uri()
        self.open: dict[str, TextDocument] = {self.uri: TextDocument(self.uri, text, version=1)}
        self.documents = Documents(lambda: self.open)
        self.documents.configure(root, ["ROADMAP.md"])

    def edit(self, old: str, new: str) -> Parsed:
        doc = self.open[self.uri]
        assert old in doc.source
        text = doc.source.replace(old, new, 1)
        self.open[self.uri] = TextDocument(self.uri, text, version=(doc.version or 0) + 1)
        return self.parsed()

    def parsed(self) -> Parsed:
        parsed = self.documents.get(self.uri)
        assert parsed is not None
        return parsed


def state(uri: str, task_id: str, status: str, **extra: Any) -> TaskState:
    return TaskState.model_validate(
        {"uri": uri, "taskId": task_id, "title": task_id, "status": status, **extra}
    )


def titles(payload: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for lens in json.loads(payload):
        out.setdefault(lens["range"]["start"]["line"], []).append(lens["command"]["title"])
    return out


def check(cache: LensCache, parsed: Parsed, states: InMemoryTaskStates) -> dict[int, list[str]]:
    """The cached payload, asserted equal to a fresh build (the oracle)."""
    cached = cache.lenses(parsed)
    fresh = DocumentLenses(parsed, states, {}).payload()
    assert json.loads(cached) == json.loads(fresh)
    return titles(cached)


def test_state_changes_rebuild_the_task_its_dependants_and_the_counts(tmp_path: Path) -> None:
    buffers = Buffers(tmp_path, ROADMAP)
    states = InMemoryTaskStates()
    cache = LensCache(states)
    parsed = buffers.parsed()
    uri = buffers.uri
    shown = check(cache, parsed, states)
    assert shown[0] == ["▶ Run all pending (4)"]
    assert shown[5] == ["⏸ waits for T001"]
    states.update(state(uri, "T001", "running", attempt=1, phase="agent turn 1"))
    shown = check(cache, parsed, states)
    assert shown[3] == ["■ Cancel", "attempt 1 · agent turn 1"]
    assert shown[0] == ["▶ Run all pending (3)"] and shown[2] == ["▶ Run section (1 pending)"]
    for turn in range(2, 5):
        states.update(state(uri, "T001", "running", attempt=1, phase=f"agent turn {turn}"))
    states.update(state(uri, "T001", "committed", attempt=1, turns=4, costUsd=0.031))
    shown = check(cache, parsed, states)
    assert shown[3] == ["✓ passed · 4 turns · $0.03", "⟲ Roll back"]
    assert shown[5] == ["▶ Run task"]  # its dependency passed: runnable now
    assert shown[2] == ["▶ Run section (1 pending)"]
    states.update(state(uri, "T003", "failed", attempt=2, problems=3))
    shown = check(cache, parsed, states)
    assert shown[5] == ["↻ Retry", "3 problems"]
    assert shown[2] == ["▶ Run section (1 pending)"]  # a failed task is pending again
    states.forget(uri, "T003")  # a change without a notification: the cache must notice
    shown = check(cache, parsed, states)
    assert shown[5] == ["▶ Run task"]


def test_edits_reuse_unchanged_rows_and_stay_exact(tmp_path: Path) -> None:
    buffers = Buffers(tmp_path, ROADMAP)
    states = InMemoryTaskStates()
    cache = LensCache(states)
    states.update(state(buffers.uri, "T004", "failed", problems=1))
    check(cache, buffers.parsed(), states)
    shown = check(cache, buffers.edit("Build the parser", "Build the Parser"), states)
    assert shown[3] == ["▶ Run task"]
    shown = check(cache, buffers.edit("- [ ] T001", "- [x] T001"), states)  # tick by hand
    assert shown[3] == ["✓ done"] and shown[5] == ["▶ Run task"]
    assert shown[0] == ["▶ Run all pending (3)"]  # T003, the failed T004, T005
    shown = check(cache, buffers.edit("## Phase 2\n", "## Phase 2\n\nSome notes.\n"), states)
    assert shown[11] == ["↻ Retry", "1 problem"]  # moved down two lines
    shown = check(cache, buffers.edit("- [ ] T005 Announce it\n", ""), states)
    assert 13 not in shown and shown[0] == ["▶ Run all pending (2)"]
    shown = check(cache, buffers.edit("  - depends: T003\n", "  - depends: T005\n"), states)
    assert shown[11] == ["↻ Retry", "1 problem"]


def test_rows_equal_the_lenses_of_each_task(tmp_path: Path) -> None:
    """The shared shapes (tasks without state) give exactly each task's own lenses, whatever
    the ids hold (quotes, backslashes, format braces), waiting or not."""
    from roadmapd.server.lenses import task_lenses

    text = ROADMAP + '- [ ] Ünïcode "quoted" \\ task <!-- id: q"1\\ -->\n- [x] T006 Done one\n'
    text += "- [ ] Braces {0} {1} <!-- id: b{2}x -->\n  - depends: b{2}x, T001\n"
    buffers = Buffers(tmp_path, text)
    states = InMemoryTaskStates()
    parsed = buffers.parsed()
    rows = json.loads(LensCache(states).lenses(parsed))
    for task in parsed.roadmap.tasks:
        waiting = [d for d in task.depends if d in ("T001", "T003", "b{2}x")]
        expected = task_lenses(buffers.uri, task, None, waiting)
        assert all(lens in rows for lens in expected), task.id
    assert sum(1 for t in parsed.roadmap.tasks if '"' in t.id) == 1
    assert [t.depends for t in parsed.roadmap.tasks if "{" in t.title] == [("b{2}x", "T001")]


def test_the_header_never_says_all_done_while_the_only_task_runs(tmp_path: Path) -> None:
    buffers = Buffers(tmp_path, "# Plan\n\n- [ ] T001 The only task\n")
    states = InMemoryTaskStates()
    cache = LensCache(states)
    parsed, uri = buffers.parsed(), buffers.uri
    assert check(cache, parsed, states)[0] == ["▶ Run all pending (1)"]
    states.update(state(uri, "T001", "running", attempt=2, phase="agent turn 1"))
    assert check(cache, parsed, states)[0] == ["… 1 task under way"]
    states.update(state(uri, "T001", "committed", attempt=2, reason="red→green 1 test"))
    shown = check(cache, parsed, states)
    assert shown[0] == ["✓ all 1 task done"]
    assert shown[2][0] == "✓ passed · red→green 1 test"


def test_a_state_change_before_an_edit_is_kept_by_the_next_version(tmp_path: Path) -> None:
    """A task streams while the user types: the state changes that arrived since the last
    request are redone with the edited rows, not lost and not a reason to rebuild every row."""
    buffers = Buffers(tmp_path, ROADMAP)
    states = InMemoryTaskStates()
    cache = LensCache(states)
    parsed = buffers.parsed()
    check(cache, parsed, states)
    current = DocumentLenses(parsed, states, {})
    current.payload()
    states.subscribe(lambda s: current.changed(s.taskId, states.generation(s.uri)))
    states.update(state(buffers.uri, "T001", "running", attempt=1, phase="agent turn 1"))
    edited = buffers.edit("Ship it", "Ship it all")
    successor = current.follow(edited)
    assert successor is not current and successor._dirty == {0, 2, 3}  # T001, its dependant, T004
    assert json.loads(successor.payload()) == json.loads(
        DocumentLenses(edited, states, {}).payload()
    )
    shown = check(cache, edited, states)
    assert shown[3] == ["■ Cancel", "attempt 1 · agent turn 1"]
    assert shown[0] == ["▶ Run all pending (3)"]
    states.forget(buffers.uri, "T001")  # no notification: this version missed it
    assert current._successor(buffers.edit("Ship it all", "Ship it")) is None  # a full build
    check(cache, buffers.parsed(), states)


def test_resolvable_rows_equal_each_tasks_range_and_data(tmp_path: Path) -> None:
    """For a client that resolves: tasks that wait share a shape too, and ids that JSON must
    escape are spliced in escaped."""
    from roadmapd.server.lens_cache import _lenses
    from roadmapd.server.lens_resolve import RESOLVE_FROM_TASKS

    filler = "".join(f"- [ ] T{i:04d} Filler {i}\n" for i in range(10, 10 + RESOLVE_FROM_TASKS))
    text = ROADMAP + '- [ ] Ünïcode "quoted" \\ task <!-- id: q"1\\ -->\n  - Depends: T001\n'
    buffers = Buffers(tmp_path, text + filler)
    states = InMemoryTaskStates()
    parsed = buffers.parsed()
    rows = json.loads(LensCache(states).lenses(parsed, resolvable=True))
    tasks = parsed.roadmap.tasks
    for task in tasks:
        waiting = [d for d in task.depends if d in ("T001", "T003", "b{2}x")]
        expected = _lenses(buffers.uri, task, None, waiting, 0)
        assert expected and all(lens in rows for lens in expected), task.id
    assert sum(1 for lens in rows if "data" in lens) == len(tasks)
    assert any(lens.get("data") == '0:0:q"1\\' for lens in rows)
