"""Names of everything roadmapd stores under `refs/roadmapd/`, and snapshot message metadata.

Layout (one ref per object, so plain `git for-each-ref refs/roadmapd` lists all of it):

    refs/roadmapd/checkpoints/<task>/<n>   pre-task snapshot of attempt series n
    refs/roadmapd/results/<task>/<n>       post-task snapshot taken when the task was committed
    refs/roadmapd/commits/<task>/<n>       the task's commit
    refs/roadmapd/backups/<stamp>          state saved before a rollback or restore (undo picks it)
    refs/roadmapd/undone/<stamp>           a backup that undo_rollback has restored
    refs/roadmapd/safety/<stamp>           state saved before undo_rollback itself

Task ids are percent-encoded into one ref component (`encode_id`) so any id is a valid ref name
and decodes back exactly (`decode_id`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import unquote

ROOT = "refs/roadmapd"
CHECKPOINTS = f"{ROOT}/checkpoints"
RESULTS = f"{ROOT}/results"
COMMITS = f"{ROOT}/commits"
BACKUPS = f"{ROOT}/backups"
UNDONE = f"{ROOT}/undone"
SAFETY = f"{ROOT}/safety"
TASK_BRANCH_PREFIX = "refs/heads/roadmapd"

_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def encode_id(task_id: str) -> str:
    """One valid ref component for any non-empty id; `decode_id` inverts it."""
    if not task_id:
        raise ValueError("a task id must not be empty")
    out: list[str] = []
    for i, ch in enumerate(task_id):
        if (ch == "." and not _dot_needs_escape(task_id, i)) or ch in _SAFE:
            out.append(ch)
        else:
            out.append("".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass")))
    return "".join(out)


def _dot_needs_escape(text: str, i: int) -> bool:
    return i == 0 or i == len(text) - 1 or text[i - 1] == "." or text[i + 1 :] == "lock"


def decode_id(component: str) -> str:
    return unquote(component)


def checkpoint_ref(task_id: str, n: int) -> str:
    return f"{CHECKPOINTS}/{encode_id(task_id)}/{n}"


def result_ref(task_id: str, n: int) -> str:
    return f"{RESULTS}/{encode_id(task_id)}/{n}"


def commit_ref(task_id: str, n: int) -> str:
    return f"{COMMITS}/{encode_id(task_id)}/{n}"


def task_branch(task_id: str) -> str:
    return f"{TASK_BRANCH_PREFIX}/{encode_id(task_id)}"


def pr_branch(task_id: str) -> str:
    """PR mode's branch of a task, `roadmap/<task>` (the name the issue gave it)."""
    return f"refs/heads/roadmap/{encode_id(task_id)}"


def stamp(now_ns: int | None = None) -> str:
    """A UTC timestamp that sorts chronologically as text: 20261121T101530.123456789Z."""
    ns = time.time_ns() if now_ns is None else now_ns
    secs, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(secs)) + f".{frac:09d}Z"


@dataclass(frozen=True)
class TaskRef:
    """A parsed `refs/roadmapd/<kind>/<task>/<n>` name."""

    task_id: str
    n: int


def parse_task_ref(ref: str, prefix: str) -> TaskRef | None:
    if not ref.startswith(prefix + "/"):
        return None
    parts = ref[len(prefix) + 1 :].split("/")
    if len(parts) != 2 or not parts[1].isdigit():
        return None
    return TaskRef(decode_id(parts[0]), int(parts[1]))


# -- snapshot metadata, stored as trailers in the snapshot commit's message ---------------------


@dataclass(frozen=True)
class SnapshotMeta:
    kind: str  # checkpoint | result | backup | safety
    task_id: str
    title: str
    head: str | None
    branch: str | None
    index_commit: str
    created_at: float
    nested: tuple[str, ...] = ()  # nested repositories the snapshot left out (see snapshot.py)
    ignored: str | None = None  # the commit whose tree holds the ignored files (see ignored.py)
    unprotected: tuple[str, ...] = ()  # ignored files / skipped folders left out (ignored.py)


def format_meta(meta: SnapshotMeta) -> str:
    one_line = " ".join(meta.title.split())
    task = " ".join(meta.task_id.split())
    return (
        f"roadmapd {meta.kind}: {task}\n\n"
        f"Roadmap-Snapshot: {meta.kind}\n"
        f"Roadmap-Task: {task}\n"
        f"Roadmap-Title: {one_line}\n"
        f"Roadmap-Head: {meta.head or 'none'}\n"
        f"Roadmap-Branch: {meta.branch or 'none'}\n"
        f"Roadmap-Index: {meta.index_commit}\n"
        f"Roadmap-Created: {meta.created_at!r}\n"
        + (f"Roadmap-Nested: {json.dumps(list(meta.nested))}\n" if meta.nested else "")
        + (f"Roadmap-Ignored: {meta.ignored}\n" if meta.ignored else "")
        + (
            f"Roadmap-Unprotected: {json.dumps(list(meta.unprotected))}\n"
            if meta.unprotected
            else ""
        )
    )


def parse_meta(message: str) -> SnapshotMeta:
    """Read the trailers back; raises ValueError when the message is not a roadmapd snapshot."""
    fields: dict[str, str] = {}
    for line in message.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key.startswith("Roadmap-"):
            fields[key] = value.strip()
    try:
        head = fields["Roadmap-Head"]
        branch = fields["Roadmap-Branch"]
        return SnapshotMeta(
            kind=fields["Roadmap-Snapshot"],
            task_id=fields.get("Roadmap-Task", ""),
            title=fields.get("Roadmap-Title", ""),
            head=None if head == "none" else head,
            branch=None if branch == "none" else branch,
            index_commit=fields["Roadmap-Index"],
            created_at=float(fields["Roadmap-Created"]),
            nested=_paths(fields.get("Roadmap-Nested", "[]")),
            ignored=fields.get("Roadmap-Ignored") or None,
            unprotected=_paths(fields.get("Roadmap-Unprotected", "[]")),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not a roadmapd snapshot message (missing {exc})") from exc


def _paths(value: str) -> tuple[str, ...]:
    paths = json.loads(value)  # a JSONDecodeError is a ValueError
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ValueError("a Roadmap- path list is not a list of paths")
    return tuple(paths)
