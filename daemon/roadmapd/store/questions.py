"""The conversation of a task that stopped on a question (`needs_input`).

One JSON document per task (`StatePaths.question_file`), written atomically when the engine
says `InputNeeded` (from its JSON form, so secrets are already redacted): the question, its
choices and the agent session's snapshot. `roadmapd answer` and the editor's "Answer…" read it
to continue the conversation; the task's state record carries the question itself (status,
hover, lens) so listing tasks never reads these files. A newer question of the task replaces it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from roadmapd.files import write_atomic

from .paths import StatePaths

SCHEMA = 1


@dataclass(frozen=True, slots=True)
class SavedQuestion:
    task_id: str
    run_id: str
    question: str
    choices: tuple[str, ...]
    conversation: dict[str, Any]


def save_question(paths: StatePaths, doc: dict[str, Any]) -> None:
    """Keep an `InputNeeded` event's JSON form."""
    data = {
        "schema": SCHEMA,
        "task_id": doc["task_id"],
        "run_id": doc["run_id"],
        "question": doc["question"],
        "choices": list(doc["choices"]),
        "conversation": doc["conversation"],
    }
    path = paths.question_file(doc["task_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data).encode("utf-8"))


def load_question(paths: StatePaths, task_id: str) -> SavedQuestion | None:
    """The saved question of `task_id`, or None (none, or unreadable)."""
    try:
        data = json.loads(paths.question_file(task_id).read_text(encoding="utf-8"))
        conversation = data["conversation"]
        if not isinstance(conversation, dict):
            return None
        return SavedQuestion(
            task_id=str(data["task_id"]),
            run_id=str(data["run_id"]),
            question=str(data["question"]),
            choices=tuple(str(c) for c in data.get("choices") or ()),
            conversation=conversation,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
