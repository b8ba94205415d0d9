"""`RunContext`: the ports and settings one run of the engine works with, as the attempt loop
(`runner.py`) and its verdict half (`judge.py`) read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic

from roadmapd.engine.batch import BatchCarry
from roadmapd.engine.budget import RunBudget
from roadmapd.engine.events import Event
from roadmapd.engine.ports import (
    CP,
    AgentPort,
    ApprovalPort,
    CheckboxPort,
    GitPort,
    ProblemFormatter,
    ReviewerPort,
    TaskT,
    VerifierPort,
)
from roadmapd.engine.settings import EngineSettings
from roadmapd.statuses import TaskStatus, Trigger

Transition = Callable[[str, Trigger, int, str | None], TaskStatus]


@dataclass(frozen=True, slots=True)
class RunContext(Generic[TaskT, CP]):
    """The ports and settings one run works with; `transition` is the engine's status keeper."""

    run_id: str
    settings: EngineSettings
    agent: AgentPort[TaskT]
    verifier: VerifierPort[TaskT]
    git: GitPort[CP]
    checkbox: CheckboxPort[TaskT]
    formatter: ProblemFormatter
    emit: Callable[[Event], None]
    transition: Transition
    budget: RunBudget = field(default_factory=RunBudget)
    approval: ApprovalPort[TaskT] | None = None
    reviewer: ReviewerPort[TaskT] | None = None
    # In a lane the tick is part of the integrated commit: the checkbox port then only brings
    # it to the user's copy of the roadmap, after the commit has landed (never before).
    tick_after_commit: bool = False
    carry: BatchCarry | None = None  # batch_size > 1 and no lanes: conversations handed on
