"""`textDocument/codeAction`: quick fixes for the roadmap's problems, source and refactor actions.

Quick fixes are computed from the current parse (the problems overlapping the requested range,
see `fixes`), each linked to its diagnostic. The source action "Add explicit ids to all tasks"
covers the whole document; "Break down this task" (on a task line without subtasks) runs the
`roadmapd.breakDownTask` command; "Convert to a task list" (anywhere in a roadmap with fewer than
`FEW_TASKS` tasks and some text) runs `roadmapd.normalizeRoadmap`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.problems import Problem
from roadmapd.roadmap.columns import utf16_column
from roadmapd_protocol import CMD_BREAK_DOWN_TASK, CMD_NORMALIZE_ROADMAP

from . import occurrences
from .fixes import FIXERS, Fix, explicit_ids_fix
from .occurrences import Occurrences

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents

QUICKFIX = "quickfix"
SOURCE_IDS = "source.addExplicitIds"
BREAK_DOWN = "refactor.rewrite"
FEW_TASKS = 3  # below this many tasks a roadmap is offered "Convert to a task list"


def _position(occ: Occurrences, pos: tuple[int, int]) -> dict[str, int]:
    line, index = pos
    text = occ.lines[line] if line < len(occ.lines) else ""
    return {"line": line, "character": utf16_column(text, index)}


def _workspace_edit(occ: Occurrences, uri: str, fix: Fix) -> dict[str, Any]:
    edits = [
        {"range": {"start": _position(occ, a), "end": _position(occ, b)}, "newText": text}
        for a, b, text in fix.edits
    ]
    return {"changes": {uri: edits}}


def _diagnostic(problem: Problem) -> dict[str, Any]:
    r = problem.range
    return {
        "range": {
            "start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character},
        },
        "message": problem.message,
        "severity": int(problem.severity),
        "source": problem.source,
        "code": problem.code,
    }


def _wanted(kind: str, only: list[str] | None) -> bool:
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def _few_tasks(occ: Occurrences) -> bool:
    return len(occ.roadmap.tasks) < FEW_TASKS and any(line.strip() for line in occ.lines)


def code_actions(
    occ: Occurrences, uri: str, first: int, last: int, only: list[str] | None
) -> list[dict[str, Any]]:
    """Every action for the lines `first..last`, filtered by the client's `only` kinds."""
    actions: list[dict[str, Any]] = []
    if _wanted(QUICKFIX, only):
        for problem in occ.roadmap.problems:
            if problem.range.start.line > last or problem.range.end.line < first:
                continue
            fixer = FIXERS.get(problem.code or "")
            for fix in fixer(occ, problem) if fixer is not None else []:
                actions.append(
                    {
                        "title": fix.title,
                        "kind": QUICKFIX,
                        "diagnostics": [_diagnostic(problem)],
                        "isPreferred": fix.preferred,
                        "edit": _workspace_edit(occ, uri, fix),
                    }
                )
    if _wanted(BREAK_DOWN, only):
        parents = {t.parent for t in occ.roadmap.tasks if t.parent is not None}
        for line in range(first, last + 1):
            task = occ.task_on_line(line)
            if task is not None and task.id not in parents and not task.checked:
                command = {
                    "title": f"Break down {task.id}",
                    "command": CMD_BREAK_DOWN_TASK,
                    "arguments": [{"uri": uri, "taskId": task.id}],
                }
                actions.append(
                    {"title": "Break down this task", "kind": BREAK_DOWN, "command": command}
                )
    if _wanted(BREAK_DOWN, only) and _few_tasks(occ):
        command = {
            "title": "Convert to a task list",
            "command": CMD_NORMALIZE_ROADMAP,
            "arguments": [{"uri": uri}],
        }
        actions.append({"title": "Convert to a task list", "kind": BREAK_DOWN, "command": command})
    if _wanted(SOURCE_IDS, only):
        ids = explicit_ids_fix(occ)
        if ids is not None:
            actions.append(
                {"title": ids.title, "kind": SOURCE_IDS, "edit": _workspace_edit(occ, uri, ids)}
            )
    return actions


def register(server: LanguageServer, documents: Documents) -> None:
    kinds = [types.CodeActionKind(QUICKFIX), types.CodeActionKind.RefactorRewrite, SOURCE_IDS]
    options = types.CodeActionOptions(code_action_kinds=kinds)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
    async def actions(params: types.CodeActionParams) -> Any:
        uri = params.text_document.uri
        occ = occurrences.of_open(documents, uri)
        if occ is None:
            return []
        only = (
            [getattr(k, "value", k) for k in params.context.only] if params.context.only else None
        )
        r = params.range
        return code_actions(occ, uri, r.start.line, r.end.line, only)
