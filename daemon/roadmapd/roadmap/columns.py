"""UTF-16 columns: LSP character offsets (UTF-16 code units) to and from string indices."""

from __future__ import annotations


def utf16_len(text: str) -> int:
    """How many UTF-16 code units `text` takes."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def utf16_column(line: str, index: int) -> int:
    """The UTF-16 column of string index `index` in `line`."""
    return utf16_len(line[:index])


def str_index(line: str, column: int) -> int:
    """The string index in `line` of UTF-16 column `column` (clamped to the line end)."""
    if line.isascii():
        return min(column, len(line))
    units = 0
    for i, ch in enumerate(line):
        if units >= column:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)
