"""Engine settings (attempts, retry and branch mode, run budget, approval, parallelism, prompt
bounds) and the outcome policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from roadmapd.agent.events import Outcome
from roadmapd.engine.evidence import EvidencePolicy
from roadmapd.engine.ports import BranchMode

RetryMode = Literal["continue", "restart"]
ApprovalMode = Literal["none", "before-commit"]

#: Agent outcomes that end the attempt but may be retried while attempts are left: a fresh
#: nudge (or a fresh session) can get past a turn limit, a loop or a cut-off reply.
RETRYABLE_OUTCOMES: frozenset[Outcome] = frozenset({"max_turns", "stuck", "max_tokens"})
#: Agent outcomes that stop the task at once, attempts left or not: "api_error" (the agent's
#: own retry budget is spent; retrying here would burn credits in a loop) and "budget" (the
#: cost/token budget is spent). "cancelled" makes the task cancelled.
STOP_OUTCOMES: frozenset[Outcome] = frozenset({"api_error", "budget"})


@dataclass(frozen=True, slots=True)
class EngineSettings:
    max_attempts: int = 3
    retry: RetryMode = "continue"
    branch_mode: BranchMode = "current"
    max_problem_chars: int = 4000  # bound of the formatted problems in a retry message
    max_diff_chars: int = 8000  # bound of the diff in a retry message
    run_budget_usd: float | None = None  # spent over all tasks of a run; None = unlimited
    approval: ApprovalMode = "none"  # "before-commit": a passed task waits for the approval port
    max_parallel: int = 1  # independent tasks run at once (each in its own worktree) when > 1
    allow_weaken: bool = False  # the user approved committing attempts that weaken verification
    max_file_mb: float = 10.0  # larger files in a commit need approval (0: no limit)
    strict_files: bool = False  # paths outside the task's Files: hints need approval
    allow_large: bool = False  # the user approved large/binary/outside files (--allow-large)
    evidence: EvidencePolicy = "auto"  # when a pass needs a test that goes red -> green
    # "allow": tests that already failed at the baseline (in files the task did not touch) are
    # reported, not blamed on the task; "fail": every failing test fails the task
    baseline_failures: Literal["allow", "fail"] = "allow"
    review: Literal["off", "agent"] = "off"  # a reviewer's verdict after checks and evidence
    batch_size: int = 1  # consecutive tasks of a section in one conversation (engine/batch.py)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts: expected 1 or more; got {self.max_attempts}")
        if self.retry not in ("continue", "restart"):
            raise ValueError(f'retry: expected one of continue, restart; got "{self.retry}"')
        if self.branch_mode not in ("current", "per-task", "pr"):
            raise ValueError(
                f'branch_mode: expected one of current, per-task, pr; got "{self.branch_mode}"'
            )
        if self.run_budget_usd is not None and self.run_budget_usd <= 0:
            raise ValueError(f"run_budget_usd: expected more than 0; got {self.run_budget_usd}")
        if self.approval not in ("none", "before-commit"):
            raise ValueError(
                f'approval: expected one of none, before-commit; got "{self.approval}"'
            )
        if not 1 <= self.batch_size <= 3:
            raise ValueError(f"batch_size: expected 1, 2 or 3; got {self.batch_size}")
        if self.max_parallel < 1:
            raise ValueError(f"max_parallel: expected 1 or more; got {self.max_parallel}")
        for name in ("max_problem_chars", "max_diff_chars"):
            if getattr(self, name) < 200:
                raise ValueError(f"{name}: expected 200 or more; got {getattr(self, name)}")
