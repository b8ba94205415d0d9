"""The ROADMAP model: markdown text in, tasks with stable ids, headings and problems out.

Pure: no I/O, no asyncio. `parse` is a single pass over the lines that follows CommonMark's
block structure (checked against markdown-it-py in the tests); `reparse` gives the same result
for an edited text, re-scanning only the lines near the edit; `tick_edit` and `apply_edit`
change one checkbox without touching anything else. The syntax is described in
docs/roadmap-format.md.
"""

from roadmapd.roadmap.edits import CheckboxEdit, TextEdit, apply_edit, checkbox_edit, tick_edit
from roadmapd.roadmap.incremental import reparse
from roadmapd.roadmap.model import DocumentTask, Heading, Roadmap, Task, task_of, task_to_json
from roadmapd.roadmap.parser import parse, split_lines

__all__ = [
    "CheckboxEdit",
    "DocumentTask",
    "Heading",
    "Roadmap",
    "Task",
    "TextEdit",
    "apply_edit",
    "checkbox_edit",
    "parse",
    "reparse",
    "split_lines",
    "task_of",
    "task_to_json",
    "tick_edit",
]
