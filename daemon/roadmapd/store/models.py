"""The persisted shape of a task's state (pydantic, versioned by `schema_version`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from roadmapd.agent.events import Usage
from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd.statuses import TaskStatus

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class PositionModel(_Model):
    line: int = Field(ge=0)
    character: int = Field(ge=0)


class RangeModel(_Model):
    start: PositionModel
    end: PositionModel


class ProblemModel(_Model):
    """A `roadmapd.problems.Problem`, in the same JSON shape as the event log uses."""

    message: str
    range: RangeModel
    severity: int = Field(default=1, ge=1, le=4)
    source: str = "roadmapd"
    code: str | None = None
    file: str | None = None

    def to_problem(self) -> Problem:
        r = self.range
        return Problem(
            message=self.message,
            range=Range(
                Position(r.start.line, r.start.character), Position(r.end.line, r.end.character)
            ),
            severity=Severity(self.severity),
            source=self.source,
            code=self.code,
            file=self.file,
        )


class UsageModel(_Model):
    input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, other: dict[str, Any]) -> UsageModel:
        extra = UsageModel.model_validate(other)
        return UsageModel(
            **{k: getattr(self, k) + getattr(extra, k) for k in UsageModel.model_fields}
        )

    def to_usage(self) -> Usage:
        return Usage(**self.model_dump())


class TaskRecord(_Model):
    """What roadmapd remembers about one task: its last run, and totals over all runs."""

    schema_version: int = SCHEMA_VERSION
    task_id: str
    title: str = ""
    status: TaskStatus = TaskStatus.IDLE
    reason: str | None = None
    attempts: int = 0  # attempts of the last run
    turns: int = 0  # agent turns of the last run
    usage: UsageModel = Field(default_factory=UsageModel)  # the last run: the implementer's
    review_usage: UsageModel = Field(default_factory=UsageModel)  # the last run: the reviewer's
    total_usage: UsageModel = Field(default_factory=UsageModel)  # all runs
    problems: list[ProblemModel] = Field(default_factory=list)  # of the last verification
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    checkpoint_ref: str | None = None
    checkpoint_commit: str | None = None
    commit: str | None = None  # the task's commit when committed
    rolled_back_from: TaskStatus | None = None  # while rolled back: the status before (undo)
    regressed_from: TaskStatus | None = None  # while regressed: the status a pass gives back
    evidence: list[str] = Field(default_factory=list)  # test ids: the last pass's evidence
    question: str | None = None  # needs_input: the agent's question (conversation: questions/)
    choices: list[str] = Field(default_factory=list)  # ... and its choices
    last_run_id: str | None = None
    owner: str | None = None  # `host:pid:start` of the process running it, while active
    updated_at: datetime | None = None
