"""Task files of other spec-driven tools, read as roadmaps.

- **Kiro** (`.kiro/specs/<feature>/tasks.md`): `- [-]` marks a task in progress and `- [ ]*` an
  optional one. GitHub renders neither as a checkbox, so everywhere else roadmapd reports them as
  look-alikes; in a Kiro file `kiro_view` reads them as the boxes they mean while keeping every
  character where it is (`[-]` -> `[ ]`, `]*` -> `] `): ranges, edits and ticks stay those of the
  real text. The parse then says which tasks are in progress or optional (`Roadmap.in_progress`,
  `Roadmap.optional`). Kiro's `_Requirements: 1.2_` lines stay in the task's body.
- **Spec Kit** (`specs/<feature>/tasks.md`) and **cc-sdd** need no switch: their marks are plain
  text to GitHub. `[P]` (may run in parallel) and `[US1]` (user story) stay in the title and
  `## Phase N: ...` headings are sections; cc-sdd's italic `_Depends: 1.2_` is a `Depends:` line
  (`metadata.py`).

Which files are Kiro's is decided by path (`is_kiro`): `.kiro/specs/<feature>/tasks.md`, or a
roadmap matching one of the `kiro_roadmaps` globs of the configuration (matched against the end
of the path); the parser itself stays dialect-free.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase

from roadmapd.roadmap.model import Roadmap
from roadmapd.roadmap.parser import parse

#: A list item whose box is Kiro's: `[-]` in progress, or any box followed by `*` (optional).
_KIRO_BOX = re.compile(r"(?m)^([ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[([- xX])\](\*?)(?=[ \t])")
_KIRO_PATH = re.compile(r"(?:^|/)\.kiro/specs/[^/]+/tasks\.md$")


def is_kiro(path: str, kiro_globs: Sequence[str] = ()) -> bool:
    """Whether the file at `path` (a path or a file URI, `/` separated) is a Kiro task file:
    Kiro's own place, or a match of one of `kiro_globs` (relative globs, matched at the end)."""
    if _KIRO_PATH.search(path) is not None:
        return True
    globs = [glob.removeprefix("./") for glob in kiro_globs]
    return any(fnmatchcase(path, g) or fnmatchcase(path, f"*/{g}") for g in globs)


def kiro_view(text: str) -> tuple[str, frozenset[int], frozenset[int]]:
    """`text` with Kiro's boxes read as checkboxes, same length and positions; and the lines of
    the tasks marked in progress and of the optional ones."""
    if "[-]" not in text and "]*" not in text:
        return text, frozenset(), frozenset()
    busy: set[int] = set()
    optional: set[int] = set()

    def plain(m: re.Match[str]) -> str:
        line = text.count("\n", 0, m.start())
        if m.group(2) == "-":
            busy.add(line)
        if m.group(3):
            optional.add(line)
        box = " " if m.group(2) == "-" else m.group(2)
        return f"{m.group(1)}[{box}]{' ' if m.group(3) else ''}"

    return _KIRO_BOX.sub(plain, text), frozenset(busy), frozenset(optional)


def parse_kiro(text: str) -> Roadmap:
    view, busy, optional = kiro_view(text)
    roadmap = parse(view)
    if not busy and not optional:
        return roadmap
    return replace(
        roadmap,
        in_progress=frozenset(t.id for t in roadmap.tasks if t.line in busy),
        optional=frozenset(t.id for t in roadmap.tasks if t.line in optional),
    )


def parse_file(path: str, text: str, kiro_globs: Sequence[str] = ()) -> Roadmap:
    """The roadmap in `text`, read in the dialect its `path` says."""
    return parse_kiro(text) if is_kiro(path, kiro_globs) else parse(text)
