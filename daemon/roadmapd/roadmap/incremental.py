"""`reparse(previous, old_text, new_text)`: the parse of `new_text`, re-scanning only near the edit.

The scan records *reset* lines (see `scanner`): there, every container is closed and the scan
depends only on the enclosing headings. A re-parse restarts at the last reset line before the
first changed line, and stops at the first reset line in the unchanged tail that the previous
scan also reset at under the same headings: from there on both scans read the same lines from
the same state, so the previous tasks, headings and problems are reused (moved by the number of
lines inserted or removed). Ids, which depend on every task, and dependency problems are then
recomputed over the whole list. The result always equals `parse(new_text)`.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import itemgetter

from roadmapd.roadmap.build import (
    assign_ids,
    build,
    finish,
    moved,
    moved_heading,
    moved_problem,
)
from roadmapd.roadmap.ids import name
from roadmapd.roadmap.model import Roadmap, Task
from roadmapd.roadmap.parser import front_matter_end, normalise, parse, without_gc
from roadmapd.roadmap.scan_memo import HeadingKey, Reset, ScanMemo
from roadmapd.roadmap.scanner import Scanner

_LINE = itemgetter(0)


def reparse(previous: Roadmap, old_text: str, new_text: str) -> Roadmap:
    """The parse of `new_text`, given `previous = parse(old_text)` (or an earlier `reparse`).

    Falls back to a full parse when `previous` does not belong to `old_text`.
    """
    memo = previous._memo
    old, new = normalise(old_text), normalise(new_text)
    if memo is None or (old is not memo.text and old != memo.text):
        return parse(new_text)
    if old == new:
        return previous
    return without_gc(lambda: _reparse(previous, memo, old, new))


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix, comparing in chunks (no per-character loop)."""
    n = min(len(a), len(b))
    done, size = 0, n
    while size and done < n:
        end = min(done + size, n)
        if b.startswith(a[done:end], done):
            done = end
        else:
            size //= 2
    return done


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix, at most `limit`."""
    la, lb = len(a), len(b)
    done, size = 0, limit
    while size and done < limit:
        end = min(done + size, limit)
        if b.endswith(a[la - end : la - done], 0, lb - done):
            done = end
        else:
            size //= 2
    return done


def _reparse(previous: Roadmap, memo: ScanMemo, old: str, new: str) -> Roadmap:
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    a = old.count("\n", 0, prefix)  # the first changed line, in both texts
    start = old.rfind("\n", 0, prefix) + 1
    # The unchanged tail: the lines after the first line break inside the common suffix.
    brk = new.find("\n", len(new) - suffix)
    old_lines = memo.lines
    if brk < 0:
        lines = old_lines[:a] + new[start:].split("\n")
        tail_new = tail_old = len(lines) + 1  # no unchanged tail
    else:
        tail_new = a + new.count("\n", start, brk + 1)
        tail_old = a + old.count("\n", start, brk + 1 - len(new) + len(old))
        lines = old_lines[:a] + new[start:brk].split("\n") + old_lines[tail_old:]
    first = front_matter_end(lines)
    if first != memo.first or a < first:
        return parse(new)
    delta = tail_new - tail_old
    resets = memo.resets

    # Restart at the last reset line before the change.
    r = bisect_left(resets, a, key=_LINE) - 1
    if r >= 0:
        restart, key, k0, h0, p0 = resets[r]
    else:
        r, restart, key, k0, h0, p0 = 0, first, (), 0, 0, 0
    j0 = bisect_left(resets, tail_old, key=_LINE)

    def stop(ln: int) -> HeadingKey | None:
        """The headings of the previous scan at its reset line matching `ln`, if any."""
        if ln < tail_new:
            return None
        i = bisect_left(resets, ln - delta, lo=j0, key=_LINE)
        return resets[i][1] if i < len(resets) and resets[i][0] == ln - delta else None

    scanner = Scanner(key)
    end = scanner.scan(lines, restart, stop)
    if end < len(lines):
        j = bisect_left(resets, end - delta, lo=j0, key=_LINE)
        _, _, k1, h1, p1 = resets[j]
    else:
        j, k1, h1, p1 = (
            len(resets),
            len(memo.names),
            len(previous.headings),
            len(memo.scan_problems),
        )
    drafts = scanner.drafts
    for i, d in enumerate(drafts):
        d.index = k0 + i
    dk, dh = k0 + len(drafts) - k1, h0 + len(scanner.headings) - h1
    dp = p0 + len(scanner.problems) - p1

    names = memo.names[:k0] + [name(d.text) for d in drafts] + memo.names[k1:]
    parents = memo.parents[:k0] + [-1 if d.parent is None else d.parent.index for d in drafts]
    tail_parents = memo.parents[k1:]
    parents += [p if p < 0 else p + dk for p in tail_parents] if dk else tail_parents
    depends_lines = memo.depends_lines[:k0] + [d.depends_line for d in drafts]
    tail_lines = memo.depends_lines[k1:]
    depends_lines += [n if n < 0 else n + delta for n in tail_lines] if delta else tail_lines
    before = [(n[0], n[2]) for n in memo.names[k0:k1]]
    if before == [(n[0], n[2]) for n in names[k0 : k0 + len(drafts)]]:
        ids, duplicates = memo.ids, memo.duplicates  # the same id sources: the same ids
    else:
        ids, duplicates = assign_ids(names)

    def parent_of(i: int) -> str | None:
        p = parents[i]
        return None if p < 0 else ids[p]

    old_tasks = previous.tasks
    built = [build(d, names[d.index], ids[d.index], parent_of(d.index), lines) for d in drafts]
    tasks: list[Task]
    if ids is memo.ids and not delta:  # the tasks around the re-scanned lines are unchanged
        tasks = [*old_tasks[:k0], *built, *old_tasks[k1:]]
    else:
        tasks = []
        for i in range(k0):
            t = old_tasks[i]
            same = t.id == ids[i] and t.parent == parent_of(i)
            tasks.append(t if same else moved(t, 0, ids[i], parent_of(i)))
        tasks += built
        for i in range(k1, len(old_tasks)):
            t, n = old_tasks[i], i + dk
            same = not delta and t.id == ids[n] and t.parent == parent_of(n)
            tasks.append(t if same else moved(t, delta, ids[n], parent_of(n)))

    old_headings = previous.headings
    headings = [*old_headings[:h0], *scanner.headings]
    headings += [moved_heading(h, delta) for h in old_headings[h1:]] if delta else old_headings[h1:]
    problems = memo.scan_problems[:p0] + scanner.problems
    tail = memo.scan_problems[p1:]
    problems += [moved_problem(p, delta) for p in tail] if delta else tail
    new_resets: list[Reset] = resets[:r]
    new_resets += [(ln, hk, k + k0, h + h0, p + p0) for ln, hk, k, h, p in scanner.resets]
    if delta or dk or dh or dp:
        new_resets += [(ln + delta, hk, k + dk, h + dh, p + dp) for ln, hk, k, h, p in resets[j:]]
    else:
        new_resets += resets[j:]
    new_memo = ScanMemo(
        new,
        lines,
        first,
        new_resets,
        names,
        ids,
        duplicates,
        parents,
        depends_lines,
        problems,
    )
    return finish(tasks, headings, new_memo)
