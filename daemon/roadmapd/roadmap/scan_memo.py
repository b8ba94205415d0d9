"""`ScanMemo`: what a parse remembers so that the next version of the document can be re-parsed
in part (by `incremental.reparse`), and the small tuple types it holds.

Kept on the `Roadmap` (private, never compared or shown). Lists are shared between versions
and never mutated after the parse that made them.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadmapd.problems import Problem

HeadingKey = tuple[
    tuple[int, str], ...
]  # the enclosing headings as (level, title), outermost first
# A line where the scan could start afresh: (line, headings, drafts, headings, problems so far).
Reset = tuple[int, HeadingKey, int, int, int]
Name = tuple[str | None, str, str]  # explicit id or None, display title, derived id base
Duplicate = tuple[int, str, int]  # task index, its explicit id, index of the task that has it


@dataclass(frozen=True, slots=True)
class ScanMemo:
    text: str  # the parsed text with line breaks normalised to `\n`
    lines: list[str]
    first: int  # the first line after front matter
    resets: list[Reset]  # in line order
    names: list[Name]  # per task, in document order
    ids: list[str]  # per task
    duplicates: list[Duplicate]  # explicit ids taken by an earlier task
    parents: list[int]  # per task: the index of its parent task, or -1
    depends_lines: list[int]  # per task: the line of its first `Depends:`, or -1
    scan_problems: list[Problem]  # look-alike problems, in line order
