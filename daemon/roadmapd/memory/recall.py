"""Which memory entries a new task is told about, and how they read in its prompt.

Relevance is the overlap between the task and an entry: shared files count most, then shared
words (of the titles, the task's text and the entry's decisions); newer entries win ties.
Entries are added most relevant first while they fit in `max_tokens` (about 4 characters a
token); an entry that does not fit is left out whole, never cut in half.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from roadmapd.memory.model import MemoryEntry

CHARS_PER_TOKEN = 4
FILE_WEIGHT = 5
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_STOP = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "into",
        "are",
        "was",
        "were",
        "will",
        "not",
        "but",
        "all",
        "any",
        "can",
        "has",
        "have",
        "its",
        "use",
        "using",
        "add",
        "make",
        "task",
        "tasks",
        "file",
        "files",
        "when",
        "then",
        "than",
        "also",
        "each",
        "only",
    }
)


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - _STOP


def _score(entry: MemoryEntry, task_words: set[str], task_files: set[str]) -> int:
    shared_files = task_files & set(entry.files)
    entry_words = words(" ".join((entry.title, entry.decisions, " ".join(entry.files))))
    return FILE_WEIGHT * len(shared_files) + len(task_words & entry_words)


def render_entry(entry: MemoryEntry) -> str:
    lines = [f"- {entry.task_id}: {entry.title}".rstrip(": ")]
    if entry.files:
        lines.append(f"  files changed: {', '.join(entry.files)}")
    if entry.decisions:
        lines.append(f"  outcome: {entry.decisions}")
    if entry.commands:
        lines.append(f"  commands that worked: {'; '.join(entry.commands)}")
    return "\n".join(lines)


def recall(
    entries: Sequence[MemoryEntry],
    *,
    text: str,
    files: Iterable[str] = (),
    max_tokens: int,
    exclude: str | None = None,
) -> str:
    """The prompt section for a task described by `text` and `files` ("" when nothing fits)."""
    budget = max_tokens * CHARS_PER_TOKEN
    task_words, task_files = words(text), set(files)
    ranked = sorted(
        (e for e in entries if e.task_id != exclude),
        key=lambda e: (_score(e, task_words, task_files), e.at),
        reverse=True,
    )
    chosen: list[str] = []
    used = 0
    for entry in ranked:
        block = render_entry(entry)
        if used + len(block) + 1 > budget:
            continue
        chosen.append(block)
        used += len(block) + 1
    return "\n".join(chosen)
