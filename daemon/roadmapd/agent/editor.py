"""The file half of the tools: `str_replace_based_edit_tool` (view, create, str_replace, insert).

Every path goes through `resolve_inside`, so nothing outside the workspace or inside `.git/` is
read or written. Files are read and written as UTF-8 with their line endings preserved. Every
failure is a `ToolError` whose message tells the model what to do next.
"""

from __future__ import annotations

import os
from pathlib import Path

from roadmapd.agent.confinement import ToolError, display_path, resolve_inside
from roadmapd.agent.output import truncate

_LISTING_LIMIT = 1000
_SNIPPET_CONTEXT = 3


def _numbered(lines: list[str], first: int) -> str:
    return "\n".join(f"{n:6}\t{line}" for n, line in enumerate(lines, start=first))


class FileEditor:
    def __init__(self, root: Path, *, max_chars: int) -> None:
        self.root = root.resolve()
        self.max_chars = max_chars

    def _locate(self, path: str) -> tuple[Path, str]:
        """The real path of `path` inside the workspace, and how to show it."""
        real = resolve_inside(self.root, path)
        return real, display_path(self.root, real)

    def _read(self, real: Path, shown: str) -> str:
        if not real.exists():
            raise ToolError(f"{shown} does not exist")
        if real.is_dir():
            raise ToolError(f"{shown} is a directory, not a file")
        try:
            with real.open(encoding="utf-8", newline="") as handle:
                return handle.read()
        except UnicodeDecodeError:
            raise ToolError(f"{shown} is not a UTF-8 text file; use bash to inspect it") from None
        except OSError as exc:
            raise ToolError(f"cannot read {shown}: {exc.strerror}") from None

    def _write(self, real: Path, shown: str, text: str) -> None:
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            with real.open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise ToolError(f"cannot write {shown}: {exc.strerror}") from None

    def _snippet(self, text: str, first_line: int, last_line: int) -> str:
        lines = text.splitlines()
        start = max(first_line - _SNIPPET_CONTEXT, 1)
        end = min(last_line + _SNIPPET_CONTEXT, len(lines))
        return _numbered(lines[start - 1 : end], start)

    def view(self, path: str, view_range: list[int] | None = None) -> str:
        real, shown = self._locate(path)
        if real.is_dir():
            if view_range is not None:
                raise ToolError("view_range only applies to files, not directories")
            return truncate(self._listing(real, shown), self.max_chars)
        lines = self._read(real, shown).splitlines()
        first, last = 1, len(lines)
        if view_range is not None:
            first, last = view_range
            if last == -1:
                last = len(lines)
            if not 1 <= first <= max(len(lines), 1) or last < first or last > len(lines):
                raise ToolError(
                    f"view_range {view_range} is invalid: {shown} has {len(lines)} lines; "
                    "use [start, end] with 1 <= start <= end <= line count, or end = -1"
                )
        if not lines:
            return f"{shown} is empty"
        return truncate(_numbered(lines[first - 1 : last], first), self.max_chars)

    def _listing(self, real: Path, shown: str) -> str:
        entries: list[str] = []
        for dirpath, dirnames, filenames in os.walk(real):
            here = Path(dirpath)
            depth = len(here.relative_to(real).parts)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in dirnames:
                entries.append(display_path(self.root, here / name) + "/")
            entries.extend(
                display_path(self.root, here / f)
                for f in sorted(filenames)
                if not f.startswith(".")
            )
            if depth >= 1:
                dirnames[:] = []
            if len(entries) > _LISTING_LIMIT:
                break
        more = (
            f"\n[... listing stopped after {_LISTING_LIMIT} entries]"
            if len(entries) > _LISTING_LIMIT
            else ""
        )
        body = "\n".join(sorted(entries[:_LISTING_LIMIT])) or "(empty)"
        title = f"Files and directories up to 2 levels deep in {shown} (hidden ones left out):"
        return f"{title}\n{body}{more}"

    def create(self, path: str, file_text: str) -> str:
        real, shown = self._locate(path)
        if real.is_dir():
            raise ToolError(f"{shown} is a directory; give a file path")
        existed = real.exists()
        self._write(real, shown, file_text)
        return (
            f"{'Overwrote' if existed else 'Created'} {shown} ({len(file_text.splitlines())} lines)"
        )

    def str_replace(self, path: str, old_str: str, new_str: str) -> str:
        real, shown = self._locate(path)
        text = self._read(real, shown)
        if not old_str:
            raise ToolError("old_str is empty; give the exact text to replace")
        if text.count(old_str) == 0 and "\r\n" in text and "\n" in old_str:
            old_str, new_str = old_str.replace("\n", "\r\n"), new_str.replace("\n", "\r\n")
        count = text.count(old_str)
        if count == 0:
            raise ToolError(
                f"no match for old_str in {shown}; nothing was replaced. old_str must match the "
                "file exactly, whitespace and indentation included: view the file first"
            )
        if count > 1:
            lines, at = [], text.find(old_str)
            while at != -1:
                lines.append(str(text.count("\n", 0, at) + 1))
                at = text.find(old_str, at + 1)
            raise ToolError(
                f"old_str occurs {count} times in {shown} (starting on lines {', '.join(lines)}); "
                "nothing was replaced. Include more surrounding lines to make it unique"
            )
        at = text.find(old_str)
        updated = text[:at] + new_str + text[at + len(old_str) :]
        self._write(real, shown, updated)
        first = text.count("\n", 0, at) + 1
        last = first + new_str.count("\n")
        return (
            f"Edited {shown}. The changed region now reads:\n{self._snippet(updated, first, last)}"
        )

    def insert(self, path: str, insert_line: int, new_str: str) -> str:
        real, shown = self._locate(path)
        text = self._read(real, shown)
        lines = text.splitlines(keepends=True)
        if not 0 <= insert_line <= len(lines):
            raise ToolError(
                f"insert_line {insert_line} is out of range: {shown} has {len(lines)} lines "
                "(0 inserts at the top, N after line N)"
            )
        newline = "\r\n" if "\r\n" in text else "\n"
        if lines and insert_line == len(lines) and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        block = new_str if new_str.endswith(("\n", "\r")) else new_str + newline
        updated = "".join([*lines[:insert_line], block, *lines[insert_line:]])
        self._write(real, shown, updated)
        first = insert_line + 1
        last = insert_line + max(len(block.splitlines()), 1)
        return (
            f"Inserted into {shown}. The region now reads:\n{self._snippet(updated, first, last)}"
        )
