"""The quick fixes for roadmap problems, and the explicit-ids source edit, as pure functions.

Each fix is a `Fix(title, edits)`; edits are `(start, end, new_text)` with LSP-style positions
`(line, string index)`, turned into a WorkspaceEdit by `code_actions`. Look-alike boxes become
`[ ]`; a duplicate explicit id gets the next free id of its kind; an unknown dependency is
replaced by the closest existing ids (difflib) or removed; a cycle gets one fix per edge that
removes that dependency, each titled with the whole cycle.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

from roadmapd.problems import Problem
from roadmapd.roadmap import Task, parse
from roadmapd.roadmap.columns import str_index

from .occurrences import DependsLine, IdKind, Occurrences

Pos = tuple[int, int]  # line, string index in that line
Edit = tuple[Pos, Pos, str]

_BOX = re.compile(r"\[([^\]\n]{0,3})\](\*?)")


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    preferred: bool = False


def _insert(line: int, index: int, text: str) -> Edit:
    return ((line, index), (line, index), text)


def lookalike_fixes(occ: Occurrences, problem: Problem) -> list[Fix]:
    ln = problem.range.start.line
    text = occ.lines[ln]
    at = str_index(text, problem.range.start.character)
    message = problem.message
    if "list marker" in message:
        return [Fix("Add a list marker: `- [ ] ...`", (_insert(ln, at, "- "),), True)]
    if "blank line" in message:
        return [Fix("Insert a blank line before this line", (_insert(ln, 0, "\n"),), True)]
    m = _BOX.match(text, at)
    if m is None:
        return []
    inner, star = m.group(1), m.group(2)
    if inner not in (" ", "x", "X"):
        box = "[x]" if inner.strip() in ("x", "X") else "[ ]"
        edit = ((ln, m.start()), (ln, m.start() + len(inner) + 2), box)
        return [Fix(f"Replace `[{inner}]` with `{box}`", (edit,), True)]
    if star:
        end = len(text.rstrip())
        edits = (((ln, m.end() - 1), (ln, m.end()), ""), _insert(ln, end, " (optional)"))
        return [Fix("Make it a task marked (optional)", edits, True)]
    if m.end() < len(text) and not text[m.end()].isspace():
        return [Fix("Put a space after the box", (_insert(ln, m.end(), " "),), True)]
    return []


def next_free(name: str, kind: IdKind, taken: set[str]) -> str:
    """The next id after `name` of the same kind that no task has."""
    if kind == "spec":
        m = re.fullmatch(r"(.*?)(\d+)", name)
        assert m is not None
        prefix, digits = m.group(1), m.group(2)
        n = int(digits) + 1
        while f"{prefix}{n:0{len(digits)}d}" in taken:
            n += 1
        return f"{prefix}{n:0{len(digits)}d}"
    if kind == "number":
        *head, last = name.split(".")
        n = int(last) + 1
        while ".".join([*head, str(n)]) in taken:
            n += 1
        return ".".join([*head, str(n)])
    m = re.fullmatch(r"(.*?[^\d])?(\d+)", name)
    base, n = (m.group(1) or "", int(m.group(2)) + 1) if m else (f"{name}-", 2)
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def duplicate_fixes(occ: Occurrences, problem: Problem) -> list[Fix]:
    task = occ.task_on_line(problem.range.start.line)
    if task is None:
        return []
    written = occ.written_id(task)
    if written.kind == "derived":
        return []
    new = next_free(written.name, written.kind, {t.id for t in occ.roadmap.tasks})
    span = written.span
    edit = ((span.line, span.start), (span.line, span.end), new)
    return [Fix(f"Renumber this task to {new}", (edit,), True)]


def _line_edit(occ: Occurrences, dl: DependsLine, drop: set[str]) -> Edit:
    """Rewrite one Depends line without the values in `drop` (delete it when nothing is left)."""
    text = occ.lines[dl.line]
    tokens = list(dl.tokens)
    if all(t.value in drop for t in tokens) and dl.whole_line:
        if dl.line + 1 < len(occ.lines):
            return ((dl.line, 0), (dl.line + 1, 0), "")
        prev = dl.line - 1
        return ((prev, len(occ.lines[prev])), (dl.line, len(text)), "")
    new = text
    for k in range(len(tokens) - 1, -1, -1):
        if tokens[k].value not in drop:
            continue
        if k + 1 < len(tokens):
            start, end = tokens[k].raw.start, tokens[k + 1].raw.start
        elif k > 0:
            start, end = tokens[k - 1].raw.end, tokens[k].raw.end
        else:
            start, end = tokens[k].raw.start, tokens[k].raw.end
        new = new[:start] + new[end:]
        del tokens[k]
    return ((dl.line, 0), (dl.line, len(text)), new)


def remove_dependency(occ: Occurrences, task: Task, dep: str) -> tuple[Edit, ...]:
    lines = {id(r.owner): r.owner for r in occ.by_target.get(dep, ()) if r.task is task}
    return tuple(_line_edit(occ, dl, {dep}) for dl in lines.values())


def _replace_dependency(occ: Occurrences, task: Task, dep: str, new: str) -> tuple[Edit, ...]:
    refs = [r for r in occ.by_target.get(dep, ()) if r.task is task]
    return tuple(
        ((r.token.inner.line, r.token.inner.start), (r.token.inner.line, r.token.inner.end), new)
        for r in refs
    )


def _placeholder(occ: Occurrences, task: Task) -> bool:
    """A duplicate's temporary id (`T001-2` for a second `T001`): not worth suggesting."""
    return task.explicit_id and occ.written_id(task).name != task.id


def unknown_dependency_fixes(occ: Occurrences, problem: Problem) -> list[Fix]:
    task = occ.owners[problem.range.start.line]
    if task is None:
        return []
    roadmap = occ.roadmap
    ids = [t.id for t in roadmap.tasks if t is not task and not _placeholder(occ, t)]
    fixes: list[Fix] = []
    for dep in task.depends:
        if roadmap.task(dep) is not None or repr(dep) not in problem.message:
            continue
        for n, match in enumerate(difflib.get_close_matches(dep, ids, n=3, cutoff=0.5)):
            title = f"Change {dep} to {match} ({roadmap.task(match).title})"  # type: ignore[union-attr]
            fixes.append(Fix(title, _replace_dependency(occ, task, dep, match), n == 0))
        fixes.append(
            Fix(f"Remove {dep} from the Depends of {task.id}", remove_dependency(occ, task, dep))
        )
    return fixes


def cycle_fixes(occ: Occurrences, problem: Problem) -> list[Fix]:
    _, _, path_text = problem.message.partition("dependency cycle: ")
    path = path_text.split(" -> ")
    fixes = []
    for a, b in itertools.pairwise(path):
        task = occ.roadmap.task(a)
        edits = remove_dependency(occ, task, b) if task is not None else ()
        if edits:
            title = f"Break the cycle {path_text}: {a} no longer depends on {b}"
            fixes.append(Fix(title, edits))
    return fixes


def explicit_ids_fix(occ: Occurrences) -> Fix | None:
    """Write every derived id into its task's line as `<!-- id: ... -->` (None when none is
    derived, or when the result would not keep every id)."""
    edits = []
    lines = list(occ.lines)
    for task in occ.roadmap.tasks:
        if task.explicit_id:
            continue
        text = lines[task.line]
        end = len(text.rstrip())
        comment = f" <!-- id: {task.id} -->"
        edits.append(_insert(task.line, end, comment))
        lines[task.line] = text[:end] + comment + text[end:]
    if not edits:
        return None
    again = parse("\n".join(lines))
    if [t.id for t in again.tasks] != [t.id for t in occ.roadmap.tasks]:
        return None
    return Fix(f"Add explicit ids to all tasks ({len(edits)} without one)", tuple(edits))


FIXERS = {
    "not-a-task": lookalike_fixes,
    "duplicate-id": duplicate_fixes,
    "unknown-dependency": unknown_dependency_fixes,
    "dependency-cycle": cycle_fixes,
}
