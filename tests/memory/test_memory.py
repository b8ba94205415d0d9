"""Project memory: the outcome kept per passed task, relevance, the token budget, the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from roadmapd.agent.events import AgentFinished, TextDelta, ToolCall, ToolResult, TurnStarted, Usage
from roadmapd.engine import (
    AgentActivity,
    Committed,
    Event,
    TaskQueued,
    TaskStatus,
    TaskStatusChanged,
)
from roadmapd.memory import MemoryEntry, MemoryRecorder, ProjectMemory, recall

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _memory(tmp_path: Path) -> ProjectMemory:
    return ProjectMemory(tmp_path / "memory.json", tmp_path / "state.lock")


def _entry(task_id: str, title: str, files: tuple[str, ...] = (), minutes: int = 0) -> MemoryEntry:
    return MemoryEntry(
        task_id=task_id, title=title, files=files, at=T0 + timedelta(minutes=minutes)
    )


def test_relevant_entries_come_first_and_recency_breaks_ties() -> None:
    entries = [
        _entry("old", "Parse the config file", ("config.py",), 0),
        _entry("css", "Style the buttons", ("ui.css",), 1),
        _entry("new", "Validate the config keys", ("config.py",), 2),
    ]
    text = recall(entries, text="Report config errors", files=["config.py"], max_tokens=1000)
    order = [line.split(":")[0] for line in text.splitlines() if line.startswith("- ")]
    assert order == ["- new", "- old", "- css"]


def test_the_token_budget_bounds_the_section_and_never_cuts_an_entry() -> None:
    entries = [_entry(f"T{i}", "word " * 40, minutes=i) for i in range(20)]
    one = len(recall(entries[:1], text="", max_tokens=10_000))
    text = recall(entries, text="word", max_tokens=(3 * one + 10) // 4)
    assert len(text) <= 3 * one + 10
    assert text.count("- T") == 3 and text.startswith("- T19")  # newest first on equal scores
    assert recall(entries, text="word", max_tokens=0) == ""


def test_own_entry_is_left_out() -> None:
    entries = [_entry("T1", "Add subtract")]
    assert recall(entries, text="subtract", max_tokens=500, exclude="T1") == ""


def test_store_adds_replaces_clears_and_survives_a_corrupt_file(tmp_path: Path) -> None:
    memory = _memory(tmp_path)
    memory.add(_entry("T1", "first"))
    memory.add(_entry("T2", "second"))
    memory.add(_entry("T1", "first, again"))
    assert [(e.task_id, e.title) for e in memory.entries()] == [
        ("T2", "second"),
        ("T1", "first, again"),
    ]
    assert not list(tmp_path.glob(".tmp-*"))  # atomic writes leave no temp files
    assert memory.clear() == 2 and memory.entries() == []

    memory.path.write_text("{not json", encoding="utf-8")
    assert memory.entries() == []
    assert list(tmp_path.glob("memory.json.corrupt-*"))
    memory.add(_entry("T3", "third"))
    assert [e.task_id for e in memory.entries()] == ["T3"]


def _activity(task_id: str, event: object) -> AgentActivity:
    return AgentActivity(run_id="r", task_id=task_id, attempt=1, event=event)  # type: ignore[arg-type]


def _status(task_id: str, status: TaskStatus, previous: TaskStatus) -> TaskStatusChanged:
    return TaskStatusChanged(
        run_id="r", task_id=task_id, status=status, previous=previous, attempt=1
    )


def test_recorder_keeps_git_files_final_words_and_working_commands(tmp_path: Path) -> None:
    memory = _memory(tmp_path)
    sink = MemoryRecorder(memory)
    events: list[Event] = [
        TaskQueued(run_id="r", task_id="T1", title="Add subtract", position=1),
        _activity("T1", TurnStarted(1)),
        _activity("T1", TextDelta("I will look around first.")),
        _activity("T1", ToolCall("a", "bash", {"command": "python -m pytest -q"})),
        _activity("T1", ToolResult("a", "bash", "1 passed")),
        _activity("T1", ToolCall("b", "bash", {"command": "curl example.com"})),
        _activity("T1", ToolResult("b", "bash", "not allowed", is_error=True)),
        _activity("T1", TurnStarted(2)),
        _activity("T1", TextDelta("Added subtract() to calc.py ")),
        _activity("T1", TextDelta("and a test.")),
        _activity("T1", AgentFinished("end_turn", "", 2, Usage())),
        _status("T1", TaskStatus.PASSED, TaskStatus.VERIFYING),
        Committed(run_id="r", task_id="T1", commit="abc", files=("calc.py", "test_calc.py")),
        _status("T1", TaskStatus.COMMITTED, TaskStatus.PASSED),
        TaskQueued(run_id="r", task_id="T2", title="Fail", position=2),
        _status("T2", TaskStatus.FAILED, TaskStatus.VERIFYING),
    ]
    for event in events:
        sink(event)
    (entry,) = memory.entries()
    assert entry.task_id == "T1" and entry.title == "Add subtract"
    assert entry.files == ("calc.py", "test_calc.py") and entry.commit == "abc"
    assert entry.decisions == "Added subtract() to calc.py and a test."
    assert entry.commands == ("python -m pytest -q",)
