"""Code lenses: one row of actions above every task, each heading and the top of the file.

The payload is plain JSON, built once per (document version, state generation) and kept
pre-encoded in the document's cache, so a `textDocument/codeLens` request costs a dict lookup
and a write. What each task state shows is described in docs/editor.md.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.roadmap import Roadmap, Task
from roadmapd_protocol import (
    CMD_CANCEL_TASK,
    CMD_RETRY_TASK,
    CMD_ROLLBACK_TASK,
    CMD_RUN_ALL,
    CMD_RUN_SECTION,
    CMD_RUN_TASK,
    CMD_SHOW_LOG,
    TaskState,
)

from .documents import Parsed
from .protocol_fast import RawJson, encode
from .states import TaskStates
from .taskview import blocked_by, is_pending, sections

if TYPE_CHECKING:
    from .app import RoadmapServer

Lens = dict[str, Any]


def _lens(line: int, title: str, command: str = "", args: list[Any] | None = None) -> Lens:
    pos = {"line": line, "character": 0}
    cmd: dict[str, Any] = {"title": title, "command": command}
    if args is not None:
        cmd["arguments"] = args
    return {"range": {"start": pos, "end": pos}, "command": cmd}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _result_summary(state: TaskState) -> str:
    parts = [state.status.replace("_", " ")]
    if state.turns:
        parts.append(_plural(state.turns, "turn"))
    if state.costUsd:
        parts.append(f"${state.costUsd:.2f}")
    return " · ".join(parts)


def task_lenses(uri: str, task: Task, state: TaskState | None, waiting: list[str]) -> list[Lens]:
    """The lenses of one task line, from its state (see docs/editor.md for the table)."""
    line = task.line
    ref = [{"uri": uri, "taskId": task.id}]
    status = state.status if state is not None else ("done" if task.checked else "pending")
    if status in ("queued", "running", "verifying"):
        assert state is not None
        phase = state.phase or status
        where = f"attempt {state.attempt} · {phase}" if state.attempt else phase
        return [_lens(line, "■ Cancel", CMD_CANCEL_TASK, ref), _lens(line, where)]
    if status in ("failed", "cancelled", "interrupted"):
        assert state is not None
        detail = _plural(state.problems, "problem") if state.problems else (state.reason or "")
        summary = f"✗ {status}" + (f" · {detail}" if detail else "")
        lenses = [
            _lens(line, "↻ Retry", CMD_RETRY_TASK, ref),
            _lens(line, summary, CMD_SHOW_LOG, ref),
        ]
        if status == "interrupted":
            lenses.append(_lens(line, "⟲ Roll back", CMD_ROLLBACK_TASK, ref))
        return lenses
    if status in ("passed", "committed"):
        assert state is not None
        return [
            _lens(line, f"✓ {_result_summary(state)}", CMD_SHOW_LOG, ref),
            _lens(line, "⟲ Roll back", CMD_ROLLBACK_TASK, ref),
        ]
    if status == "done":
        return [_lens(line, "✓ done")]
    if waiting:
        return [_lens(line, f"⏸ waits for {', '.join(waiting)}")]
    if status == "blocked":
        assert state is not None
        return [_lens(line, f"⏸ blocked · {state.reason or 'by the engine'}")]
    lenses = [_lens(line, "▶ Run task", CMD_RUN_TASK, ref)]
    if status == "rolled_back":
        lenses.append(_lens(line, "⟲ rolled back", CMD_SHOW_LOG, ref))
    return lenses


TaskKey = tuple[object, ...]
Fragments = dict[TaskKey, str]


def document_lenses(uri: str, roadmap: Roadmap, states: TaskStates, reuse: Fragments) -> str:
    """All lenses of one roadmap as JSON: run-all at the top, one per section, then the tasks'.

    A task's lenses depend only on (line, id, checked, state, waiting); their encoded form is
    taken from `reuse` (the previous version's) when unchanged, and `reuse` is refilled.
    """
    if not roadmap.tasks:
        reuse.clear()
        return "[]"
    pending: Counter[tuple[str, ...]] = Counter()
    total: Counter[tuple[str, ...]] = Counter()
    previous = dict(reuse)
    reuse.clear()
    task_rows: list[str] = []
    for task in roadmap.tasks:
        state = states.get(uri, task.id)
        waiting = blocked_by(roadmap, uri, task, states) if task.depends else []
        key: TaskKey = (task.line, task.id, task.checked, state, tuple(waiting))
        fragment = previous.get(key)
        if fragment is None:
            fragment = encode(task_lenses(uri, task, state, waiting))[1:-1]
        reuse[key] = fragment
        task_rows.append(fragment)
        open_ = is_pending(task, state)
        for depth in range(1, len(task.headings) + 1):
            prefix = tuple(task.headings[:depth])
            total[prefix] += 1
            pending[prefix] += open_
    n_all = sum(1 for t in roadmap.tasks if is_pending(t, states.get(uri, t.id)))
    doc = {"uri": uri}
    rows = [
        _lens(0, f"▶ Run all pending ({n_all})", CMD_RUN_ALL, [doc])
        if n_all
        else _lens(0, f"✓ all {_plural(len(roadmap.tasks), 'task')} done")
    ]
    for section in sections(roadmap):
        if total[section.path] == len(roadmap.tasks):
            continue  # a title heading over the whole file: "Run all" already says it
        n = pending[section.path]
        if n:
            args = [{"uri": uri, "headings": list(section.path)}]
            rows.append(
                _lens(section.heading.line, f"▶ Run section ({n} pending)", CMD_RUN_SECTION, args)
            )
        elif total[section.path]:
            rows.append(_lens(section.heading.line, "✓ section done"))
    return "[" + ",".join([encode(rows)[1:-1], *task_rows]) + "]"


class LensCache:
    """The encoded lenses per (document version, state generation), and per task across them."""

    def __init__(self) -> None:
        self._fragments: dict[str, Fragments] = {}

    def lenses(self, parsed: Parsed, states: TaskStates) -> RawJson:
        generation = states.generation(parsed.uri)
        hit = parsed.cache.get("lenses")
        if hit is not None and hit[0] == generation:
            payload: RawJson = hit[1]
            return payload
        reuse = self._fragments.setdefault(parsed.uri, {})
        payload = RawJson(document_lenses(parsed.uri, parsed.roadmap, states, reuse))
        parsed.cache["lenses"] = (generation, payload)
        return payload


def register(ls: RoadmapServer) -> None:
    cache = LensCache()

    @ls.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(ls: RoadmapServer, params: types.CodeLensParams) -> RawJson:
        parsed = ls.documents.get(params.text_document.uri)
        return cache.lenses(parsed, ls.states) if parsed is not None else RawJson("[]")
