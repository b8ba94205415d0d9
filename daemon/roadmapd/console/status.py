"""`roadmapd status [ROADMAP.md] [--json]`: every task, its box, status and last run's totals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roadmapd.agent.pricing import format_cost, is_estimate
from roadmapd.console.common import EXIT_OK, ProjectOf, json_array, read_project, show_path
from roadmapd.console.prstate import as_row, records
from roadmapd.roadmap import Task
from roadmapd.statuses import TaskStatus
from roadmapd.store import TaskRecord, UsageModel
from roadmapd.store.paused import load_paused
from roadmapd.store.published import Published
from roadmapd.workspace_base import WorkspaceBase

_HEADERS = ("TASK", "BOX", "STATUS", "ATTEMPTS", "TOKENS", "COST", "COMMIT", "LAST RESULT")
_MAX_ID = 28
_MAX_REASON = 60


def _tokens(usage: UsageModel) -> int:
    return (
        usage.input_tokens
        + usage.cache_creation_input_tokens
        + usage.cache_read_input_tokens
        + usage.output_tokens
    )


def totals(states: dict[str, TaskRecord]) -> dict[str, Any]:
    """Tokens and cost over every run of every task the store knows (also tasks since removed)."""
    return {
        "tokens": sum(_tokens(s.total_usage) for s in states.values()),
        "cost_usd": round(sum(s.total_usage.cost_usd for s in states.values()), 6),
    }


def status_rows(
    tasks: Sequence[Task], states: dict[str, TaskRecord], cost_estimated: bool = False
) -> list[dict[str, Any]]:
    """One plain dict per task in document order (the JSON form of the table).
    `cost_estimated`: the configured models have no known price, the costs are estimates."""
    rows = []
    for task in tasks:
        state = states.get(task.id)
        usage = state.usage if state else None
        rows.append(
            {
                "id": task.id,
                "title": task.title,
                "checked": task.checked,
                "status": state.status.value if state else "idle",
                "attempts": state.attempts if state else 0,
                "turns": state.turns if state else 0,
                "tokens": _tokens(usage) if usage else 0,
                "total_tokens": _tokens(state.total_usage) if state else 0,
                "cost_usd": round(usage.cost_usd, 6) if usage else 0.0,
                "total_cost_usd": round(state.total_usage.cost_usd, 6) if state else 0.0,
                "cost_estimated": cost_estimated,
                "roles": _roles(state),
                "commit": state.commit if state else None,
                "reason": state.reason if state else None,
                "question": _question(state),
                "choices": list(state.choices) if state and _question(state) else [],
                "last_run_id": state.last_run_id if state else None,
            }
        )
    return rows


def _question(state: TaskRecord | None) -> str | None:
    """The question a `needs_input` task waits on (`roadmapd answer` continues it)."""
    if state is None or state.status is not TaskStatus.NEEDS_INPUT:
        return None
    return state.question


def _roles(state: TaskRecord | None) -> dict[str, dict[str, Any]]:
    """The last run's tokens and cost per role that spent any (implementer, reviewer)."""
    if state is None:
        return {}
    spent = {"implementer": state.usage, "reviewer": state.review_usage}
    return {
        role: {"tokens": _tokens(usage), "cost_usd": round(usage.cost_usd, 6)}
        for role, usage in spent.items()
        if _tokens(usage)
    }


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def render_table(rows: Sequence[dict[str, Any]]) -> list[str]:
    cells = [
        (
            _clip(r["id"], _MAX_ID),
            "[x]" if r["checked"] else "[ ]",
            r["status"],
            str(r["attempts"]) if r["attempts"] else "-",
            f"{r['tokens']:,}" if r["tokens"] else "-",
            format_cost(r["cost_usd"], estimate=r["cost_estimated"]) if r["cost_usd"] else "-",
            (r["commit"] or "-")[:10],
            _clip((r["reason"] or "-").replace("\n", " "), _MAX_REASON),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(_HEADERS)]
    return [
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
        for line in (_HEADERS, *cells)
    ]


def status_command(roadmap: str | None, as_json: bool) -> int:
    project = read_project(roadmap)
    states = project.workspace.store.all()
    estimated = is_estimate(*project.workspace.config.priced_models)
    rows = status_rows(project.roadmap.tasks, states, estimated)
    prs = _published(project, [r["id"] for r in rows])
    for row in rows:
        row["pr"] = as_row(prs.get(row["id"]))
    if as_json:
        print(json_array(rows))
        return EXIT_OK
    total = totals(states)
    done = sum(r["checked"] for r in rows)
    where = show_path(project.roadmap_path)
    print(
        f"{where}: {len(rows)} tasks, {done} done; all runs: {total['tokens']:,} tokens, "
        f"{format_cost(total['cost_usd'], estimate=estimated)} spent"
    )
    if rows:
        print("\n".join(render_table(rows)))
    by_role = [r for r in rows if len(r["roles"]) > 1]
    if by_role:
        print("\nBy role (last run):")
        for r in by_role:
            spent = " · ".join(
                f"{role} {u['tokens']:,} tokens, "
                f"{format_cost(u['cost_usd'], estimate=r['cost_estimated'])}"
                for role, u in r["roles"].items()
            )
            print(f"  {r['id']}: {spent}")
    paused = load_paused(project.workspace.store)
    if paused is not None:
        print(
            f"paused run {paused.run_id}: not started: {', '.join(paused.task_ids)} "
            "(roadmapd run --resume runs them)"
        )
    if prs:
        print("\nPR mode:")
        print("\n".join(f"  {i}: {r.line()}" for i, r in prs.items()))
    return EXIT_OK


def _published(project: ProjectOf[WorkspaceBase], ids: list[str]) -> dict[str, Published]:
    """PR mode's records (`console/prstate.py`); none when the project never used PR mode."""
    paths = project.workspace.store.paths
    if not paths.published_dir.is_dir():
        return {}
    return records(project.workspace.root, paths, ids)
