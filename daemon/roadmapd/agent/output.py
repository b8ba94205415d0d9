"""Bounded tool output: keeps the head and the tail of a long text with a marker of what was cut.

`TailBuffer` collects a byte stream of any size in bounded memory (the shell's output);
`truncate` shortens a finished text to a character budget.
"""

from __future__ import annotations


def truncate(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its head and tail around a cut marker."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    head = text[: limit // 2]
    tail = text[len(text) - (limit - len(head)) :]
    lines = text.count("\n", len(head), len(text) - len(tail))
    marker = f"\n[... {cut} characters ({lines} lines) cut from the middle of this output ...]\n"
    return head + marker + tail


class TailBuffer:
    """Keeps the first and the last `half` bytes of everything fed to it, and the total size."""

    def __init__(self, half: int) -> None:
        self._half = max(half, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self._half - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        self._tail += chunk
        if len(self._tail) > 2 * self._half:
            del self._tail[: len(self._tail) - self._half]

    def text(self) -> str:
        """Everything fed, decoded, with a cut marker where bytes were dropped (bounded size)."""
        head = self._head.decode("utf-8", errors="replace")
        dropped = self.total - len(self._head) - len(self._tail)
        if dropped <= 0:
            return head + self._tail.decode("utf-8", errors="replace")
        tail = bytes(self._tail[-self._half :])
        dropped = self.total - len(self._head) - len(tail)
        marker = f"\n[... {dropped} bytes cut from the middle of this output ...]\n"
        return head + marker + tail.decode("utf-8", errors="replace")
