"""Dependency checks over parsed tasks: unknown ids and cycles, as Problems.

The check depends only on the ids and the `Depends:` lists, which most edits (typing in a
title or a body, ticking a box) leave as they were: the findings of the last check are kept
and reused while both are equal, so a re-parse does not walk the whole graph again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from roadmapd.problems import Problem, Range, Severity

SOURCE = "roadmap"
Finding = tuple[str, str, str]  # (the task it is reported on, code, message)
#: the last check: (ids, depends, findings); one entry (the document being edited)
_LAST: list[tuple[list[str], dict[str, Sequence[str]], list[Finding]]] = []


def clear_cache() -> None:
    _LAST.clear()


def dependency_problems(
    ids: Sequence[str], depends: Mapping[str, Sequence[str]], where: Callable[[str], Range]
) -> list[Problem]:
    """Problems for unknown dependencies and for each dependency cycle (with its path).

    `ids` in document order; `where(id)` is the range to report a task's dependency problems on
    (asked only for the tasks that have one).
    """
    return [
        Problem(message, where(task_id), Severity.ERROR, SOURCE, code)
        for task_id, code, message in findings(ids, depends)
    ]


def findings(ids: Sequence[str], depends: Mapping[str, Sequence[str]]) -> list[Finding]:
    """The dependency problems of the graph, without ranges; the last answer when the graph is
    the same as last time."""
    ids, depends = list(ids), dict(depends)
    if _LAST and _LAST[0][0] == ids and _LAST[0][1] == depends:
        return list(_LAST[0][2])
    known = set(ids)
    found: list[Finding] = [
        (
            task_id,
            "unknown-dependency",
            f"{task_id}: unknown dependency {dep!r} (no task has this id)",
        )
        for task_id in ids
        for dep in depends.get(task_id, ())
        if dep not in known
    ]
    for cycle in _cycles(ids, depends, known):
        path = " -> ".join([*cycle, cycle[0]])
        found.append((cycle[0], "dependency-cycle", f"dependency cycle: {path}"))
    _LAST[:] = [(ids, depends, found)]
    return list(found)


def _cycles(
    ids: Sequence[str], depends: Mapping[str, Sequence[str]], known: set[str]
) -> list[list[str]]:
    """Each elementary cycle found by one depth-first search, rotated to start at its first task
    in document order. Linear in tasks plus edges."""
    order = {task_id: i for i, task_id in enumerate(ids)}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    found: list[list[str]] = []
    for root in ids:
        if root in state:
            continue
        path: list[str] = [root]
        state[root] = 1
        stack = [iter(depends.get(root, ()))]
        while stack:
            dep = next(stack[-1], None)
            if dep is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if dep not in known:
                continue
            mark = state.get(dep)
            if mark == 1:
                cycle = path[path.index(dep) :]
                first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
                found.append(cycle[first:] + cycle[:first])
            elif mark is None:
                state[dep] = 1
                path.append(dep)
                stack.append(iter(depends.get(dep, ())))
    return found
