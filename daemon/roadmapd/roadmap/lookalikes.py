"""Checkbox look-alikes: text that a person meant as a task but GitHub does not render as one."""

from __future__ import annotations

import re

TASK = re.compile(r"\[([ xX])\][ \t]+(?=\S)")
LOOKALIKE = re.compile(r"\[([xX ]|[^\w\[\]\s]?| *[xX] *|  +)\](.?)")
CHECKISH = re.compile(r"(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\][ \t]+\S")


def box_hint(text: str) -> str | None:
    """Why a list item starting with a box-like `[.]` is not a task, or None if it is no box."""
    m = LOOKALIKE.match(text)
    if m is None or m.group(2) in ("(", ":", "["):
        return None
    inner, after = m.group(1), m.group(2)
    if inner == "":
        hint = "an empty box needs a space inside: `[ ]`"
    elif len(inner) > 1:
        hint = "a checkbox has exactly one character between the brackets: `[ ]` or `[x]`"
    elif inner in " xX":
        if after == "*":
            hint = "Kiro's optional marker `[ ]*` is not a checkbox; write `- [ ] ... (optional)`"
        elif after == "":
            hint = "the checkbox has no title: write the task after the box"
        else:
            hint = "put a space after the box: `[x] title`"
    elif inner in "-~/":
        hint = (
            f"`[{inner}]` (in progress, in Kiro and Obsidian) is not a checkbox on GitHub; "
            "use `[ ]`: roadmapd shows progress itself"
        )
    else:
        hint = "only `[ ]`, `[x]` and `[X]` are checkboxes"
    return hint
