"""The pure parts behind the language features, on edge cases: id kinds, UTF-16 columns, CRLF,
nested tasks, end of file without a newline, and the model's answers for a breakdown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from roadmapd.agent.events import AgentFinished, RetryScheduled, Usage
from roadmapd.roadmap import Task, parse, split_lines
from roadmapd.server.app import create_server
from roadmapd.server.breakdown import BreakdownError, insertion, log_event, parse_subtasks
from roadmapd.server.documents import Documents, uri_of
from roadmapd.server.edits import CheckboxWriter
from roadmapd.server.engine_adapter import start_verb
from roadmapd.server.fixes import lookalike_fixes, next_free
from roadmapd.server.inlay_hints import duration_text
from roadmapd.server.occurrences import Occurrences, build
from roadmapd.server.rename import RenameRefused, rename_edits
from roadmapd.transcript import describe


def occurrences_of(text: str) -> Occurrences:
    return build(parse(text), split_lines(text))


def task(occ: Occurrences, task_id: str) -> Task:
    found = occ.roadmap.task(task_id)
    assert found is not None, task_id
    return found


@pytest.mark.parametrize(
    ("name", "kind", "taken", "expected"),
    [
        ("T001", "spec", {"T001", "T002"}, "T003"),
        ("US-09", "spec", {"US-09"}, "US-10"),
        ("1.2", "number", {"1.2", "1.3"}, "1.4"),
        ("4", "number", {"4"}, "5"),
        ("step-2", "comment", {"step-2"}, "step-3"),
        ("ship", "comment", {"ship", "ship-2"}, "ship-3"),
    ],
)
def test_next_free_id_keeps_the_kind(name: str, kind: str, taken: set[str], expected: str) -> None:
    assert next_free(name, kind, taken) == expected  # type: ignore[arg-type]


def test_written_ids_and_references_in_utf16_columns() -> None:
    text = "- [ ] 😀 emoji first <!-- id: smile -->\r\n- [ ] 1. Kiro\r\n  - Depends: `smile`\r\n"
    occ = occurrences_of(text)
    smile = occ.written_id(task(occ, "smile"))
    assert (smile.kind, smile.span.lsp_range(occ.lines)["start"]["character"]) == ("comment", 30)
    kiro = occ.written_id(task(occ, "1"))
    assert (kiro.name, kiro.kind, kiro.span.start) == ("1", "number", 6)
    (ref,) = occ.by_target["smile"]
    assert ref.task.id == "1" and (ref.token.inner.start, ref.token.inner.end) == (14, 19)
    edits = rename_edits(occ, task(occ, "1"), "3")
    assert [(s.line, s.start, s.end, t) for s, t in edits] == [(1, 6, 7, "3")]
    with pytest.raises(RenameRefused, match="not a valid comment id"):
        rename_edits(occ, task(occ, "smile"), "two words")


def test_nested_task_dependencies_belong_to_the_nested_task() -> None:
    text = "- [ ] T001 Parent\n  - [ ] T002 Child\n    - depends: T003\n- [ ] T003 Other\n"
    occ = occurrences_of(text)
    assert [(r.task.id, r.target) for r in occ.references] == [("T002", "T003")]
    assert occ.owner_near(2) is task(occ, "T002")


def test_a_reference_is_every_id_the_parse_reads_on_a_depends_line() -> None:
    text = "- [ ] T001 a\n- [ ] T002 b\n  - **Depends: T001, `T003`**\n- [ ] T003 c\n"
    occ = occurrences_of(text)
    assert task(occ, "T002").depends == ("T001", "T003")
    found = [(r.target, r.token.inner.start, r.token.raw.end) for r in occ.references]
    assert found == [("T001", 15, 19), ("T003", 22, 27)]


def test_lookalike_fixes_for_each_shape() -> None:
    text = "- [x]foo\n- [ ]* maybe\n"
    occ = occurrences_of(text)
    titles = [fix.title for p in occ.roadmap.problems for fix in lookalike_fixes(occ, p)]
    assert titles == ["Put a space after the box", "Make it a task marked (optional)"]


def test_boxes_with_extra_spaces_keep_their_meaning() -> None:
    occ = occurrences_of("- [ x] done\n- [  ] todo\n")
    fixes = [fix for p in occ.roadmap.problems for fix in lookalike_fixes(occ, p)]
    assert [fix.title for fix in fixes] == [
        "Replace `[ x]` with `[x]`",
        "Replace `[  ]` with `[ ]`",
    ]


def test_insertion_at_the_end_of_a_file_without_newline() -> None:
    text = "* [ ] T001 Last"
    occ = occurrences_of(text)
    line, column, new = insertion(occ.lines, task(occ, "T001"), ["One", "Two"], "\r\n")
    assert (line, column, new) == (0, 15, "\r\n  * [ ] One\r\n  * [ ] Two")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Sure! Split it up.", "did not answer with a JSON list"),
        ('{"plan": 1}', "expected a JSON list"),
        ('["a", "a"]', "got 1"),
        ('["a", 3]', "one-line title"),
        ('["a\\nb", "c"]', "one-line title"),
        (str([f"t{i}" for i in range(8)]).replace("'", '"'), "got 8"),
    ],
)
def test_breakdown_answers_that_are_refused(answer: str, reason: str) -> None:
    with pytest.raises(BreakdownError, match=reason):
        parse_subtasks(answer)


def test_breakdown_answers_that_are_accepted() -> None:
    answer = '{"subtasks": [{"title": "- [ ] Write  it"}, "Test it"]}'
    assert parse_subtasks(answer) == ["Write it", "Test it"]


def test_breakdown_logs_its_events_as_a_transcript_says_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    retry = RetryScheduled(1, 0.5, "API unavailable (529 overloaded_error): Overloaded")
    done = AgentFinished("end_turn", "the model answered", 1, Usage(1000, 0, 0, 200, 0.006))
    with caplog.at_level(logging.INFO, logger="roadmapd.server.breakdown"):
        log_event(retry, False)
        log_event(done, True)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "break down: API retry 1 in 0.5s: " + retry.reason),
        (
            "INFO",
            "break down: agent finished (end_turn) after 1 turns, 1,200 tokens, ~$0.0060: "
            "the model answered",
        ),
    ]


def test_durations_are_short() -> None:
    assert [duration_text(s) for s in (4.4, 59.6, 134.2, 3725)] == ["4s", "1m00s", "2m14s", "1h02m"]


async def test_a_roadmap_that_is_not_utf8_is_read_and_never_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "ROADMAP.md"
    raw = "# Plan\n- [ ] T001 caf\u00e9\n".encode("latin-1")
    path.write_bytes(raw)
    docs = Documents(dict)
    docs.configure(tmp_path, ["ROADMAP.md"])
    uri = uri_of(path)
    assert await docs.scan() == [uri]
    parsed = docs.get(uri)
    assert parsed is not None and [t.id for t in parsed.roadmap.tasks] == ["T001"]
    outcome = CheckboxWriter(create_server())._on_disk(uri, "T001", True)
    assert not outcome.applied and "cannot read" in outcome.message
    assert path.read_bytes() == raw


def test_transcript_lines_tell_a_rollback_from_its_undo() -> None:
    base = {"type": "RolledBack", "done": True, "method": "branch-moved", "reason": None}
    rolled = describe({**base, "backup_ref": "refs/roadmapd/backups/1"})
    undone = describe({**base, "undo": True, "backup_ref": "refs/roadmapd/safety/1"})
    refused = describe({**base, "undo": True, "done": False, "reason": "nothing to undo"})
    assert rolled == [("status", "rolled back (branch-moved); the state before is at "
                       "refs/roadmapd/backups/1")]  # fmt: skip
    assert undone == [("status", "rollback undone (branch-moved); the state before is at "
                       "refs/roadmapd/safety/1")]  # fmt: skip
    assert refused == [("error", "undo of the rollback refused: nothing to undo")]


def test_a_run_says_whether_it_starts_or_waits() -> None:
    assert start_verb(1, []) == "started"
    assert start_verb(1, ["T01"]) == "queued after T01"
    assert start_verb(2, ["T01"]) == "started"  # a lane is free
    assert start_verb(2, ["T01", "T02"]) == "queued until a lane is free (T01, T02 running)"
