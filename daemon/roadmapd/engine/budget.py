"""The money a run may spend over all its tasks (`run_budget_usd`), charged turn by turn.

One `RunBudget` is shared by every task of a run (the CLI passes the same one to each engine
run it makes). The runner charges it with each turn's cost as the agent reports it; when it is
spent, the task under way stops with the reason and the tasks not started yet are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RunBudget:
    limit_usd: float | None = None  # None: unlimited
    spent_usd: float = 0.0

    def charge(self, cost_usd: float) -> None:
        self.spent_usd += max(cost_usd, 0.0)

    @property
    def exhausted(self) -> bool:
        return self.limit_usd is not None and self.spent_usd >= self.limit_usd

    def reason(self) -> str:
        limit = f"${self.limit_usd:.4f}" if self.limit_usd is not None else "no limit"
        return f"run budget spent: ${self.spent_usd:.4f} of {limit}"
