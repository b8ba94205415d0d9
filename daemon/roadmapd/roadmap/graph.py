"""Dependency checks over parsed tasks: unknown ids and cycles, as Problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from roadmapd.problems import Problem, Range, Severity

SOURCE = "roadmap"


def dependency_problems(
    ids: Sequence[str], depends: Mapping[str, Sequence[str]], where: Mapping[str, Range]
) -> list[Problem]:
    """Problems for unknown dependencies and for each dependency cycle (with its path).

    `ids` in document order; `where[id]` is the range to report a task's dependency problems on.
    """
    known = set(ids)
    problems: list[Problem] = []
    for task_id in ids:
        for dep in depends.get(task_id, ()):
            if dep not in known:
                problems.append(
                    Problem(
                        f"{task_id}: unknown dependency {dep!r} (no task has this id)",
                        where[task_id],
                        Severity.ERROR,
                        SOURCE,
                        "unknown-dependency",
                    )
                )
    for cycle in _cycles(ids, depends, known):
        path = " -> ".join([*cycle, cycle[0]])
        problems.append(
            Problem(
                f"dependency cycle: {path}",
                where[cycle[0]],
                Severity.ERROR,
                SOURCE,
                "dependency-cycle",
            )
        )
    return problems


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
