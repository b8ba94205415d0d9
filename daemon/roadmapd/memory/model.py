"""The persisted shape of project memory (pydantic, versioned by `schema_version`)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
MAX_DECISION_CHARS = 600
MAX_COMMANDS = 8
MAX_COMMAND_CHARS = 160


def _now() -> datetime:
    return datetime.now(UTC)


class MemoryEntry(BaseModel):
    """The outcome of one passed task, as later tasks are told about it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    task_id: str
    title: str = ""
    files: tuple[str, ...] = ()  # changed files, from git
    decisions: str = ""  # the model's final text, trimmed
    commands: tuple[str, ...] = ()  # bash commands whose result was not an error
    commit: str | None = None
    at: datetime = Field(default_factory=_now)


class MemoryDocument(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    entries: list[MemoryEntry] = Field(default_factory=list)


def trim(text: str, limit: int) -> str:
    """`text` with its whitespace collapsed, cut at `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
