"""PR mode's record of a task: its branch, whether the push worked, the PR's URL and state.

One small JSON document per task (`StatePaths.published_file`), written atomically
(`files.write_atomic`); `roadmapd status`, the hover and `roadmapd run` read it. A record that
cannot be read is treated as absent (the task's commit and branch are in git either way).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from roadmapd.files import write_atomic

from .paths import StatePaths

SCHEMA = 1


@dataclass(frozen=True, slots=True)
class Published:
    task_id: str
    branch: str  # roadmap/<task>
    commit: str
    remote: str
    pushed: bool
    reason: str = ""  # why not pushed, or why no PR was opened
    pr_url: str | None = None  # the PR, or the compare URL when no PR could be opened
    pr_state: str = "unknown"  # OPEN | MERGED | CLOSED (gh's words), unknown, not opened
    checked_at: str = ""  # when pr_state was last read (ISO 8601, UTC)

    def line(self) -> str:
        """`pushed: yes · PR OPEN https://...` or `pushed: no — reason`."""
        if not self.pushed:
            return f"pushed: no — {self.reason}"
        where = f" {self.pr_url}" if self.pr_url else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"pushed: yes to {self.remote}/{self.branch} · PR {self.pr_state}{where}{why}"

    def with_state(self, state: str) -> Published:
        return replace(self, pr_state=state, checked_at=now())


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def save(paths: StatePaths, record: Published) -> None:
    data = {"schema": SCHEMA, **asdict(record)}
    path = paths.published_file(record.task_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def load(paths: StatePaths, task_id: str) -> Published | None:
    try:
        data = json.loads(paths.published_file(task_id).read_text(encoding="utf-8"))
        data.pop("schema", None)
        return Published(**data)
    except (OSError, ValueError, TypeError):
        return None
