"""A task under construction while the scanner runs (mutable; `parse` freezes it into a Task)."""

from __future__ import annotations


class Draft:
    """A task under construction; ids and Task values are made once the scan is done."""

    __slots__ = (
        "acceptance",
        "box_col",
        "box_line",
        "checked",
        "col",
        "depends",
        "depends_line",
        "depth",
        "files",
        "headings",
        "id",
        "index",
        "last",
        "line",
        "parent",
        "text",
        "verify",
    )

    def __init__(self, line: int, col: int, depth: int, headings: tuple[str, ...]) -> None:
        self.line = line
        self.col = col
        self.depth = depth
        self.headings = headings
        self.id = ""  # given by `parse` once every task is known
        self.index = -1  # its place among the tasks, given by `parse` too
        self.last = line
        self.checked = False
        self.text = ""
        self.box_line = line
        self.box_col = 0
        self.parent: Draft | None = None
        self.depends: list[str] = []
        self.depends_line = -1
        self.files: list[str] = []
        self.verify: list[str] = []
        self.acceptance: list[str] = []
