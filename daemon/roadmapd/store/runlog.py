"""One JSONL event log per run: append a line per event (flushed), read back tolerantly."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any


class RunLog:
    """Appends one JSON document per line; each line is flushed as soon as it is written."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("a", encoding="utf-8")

    def append(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        self._file.write(line + "\n")
        self._file.flush()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class RunLogContents:
    records: tuple[dict[str, Any], ...]
    truncated_tail: bool  # the last line was cut off (a crash mid-write): ignored
    bad_lines: tuple[int, ...] = ()  # 1-based numbers of other unreadable lines: skipped


def read_run_log_file(path: Path) -> RunLogContents:
    data = path.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    records: list[dict[str, Any]] = []
    bad: list[int] = []
    for number, raw in enumerate(lines, start=1):
        record = _parse(raw)
        if record is None:
            if raw.strip():
                bad.append(number)
            continue
        records.append(record)
    truncated = bool(tail.strip())
    if truncated and (last := _parse(tail)) is not None:
        records.append(last)  # complete JSON, only its newline was lost
        truncated = False
    return RunLogContents(tuple(records), truncated, tuple(bad))


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
