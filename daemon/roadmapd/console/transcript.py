"""`roadmapd log TASK [--json]`: the readable transcript of a task's last run (its event log)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from roadmapd.agent.pricing import format_cost, is_estimate
from roadmapd.console.common import EXIT_OK, CommandError, open_workspace
from roadmapd.store import StoreError

_MAX_RESULT_LINES = 12


def _problem(p: dict[str, Any]) -> str:
    start = p.get("range", {}).get("start", {})
    where = p.get("file") or "<roadmap>"
    message = str(p.get("message", "")).replace("\n", "\n      ")
    return f"{where}:{start.get('line', 0) + 1}:{start.get('character', 0) + 1}: {message}"


def _indent(text: str, prefix: str, max_lines: int | None = None) -> list[str]:
    lines = text.rstrip("\n").splitlines() or [""]
    hidden = 0
    if max_lines is not None and len(lines) > max_lines:
        hidden, lines = len(lines) - max_lines, lines[:max_lines]
    pad = " " * len(prefix)
    out = [prefix + lines[0], *(pad + line for line in lines[1:])]
    if hidden:
        out.append(f"{pad}... ({hidden} more lines)")
    return out


def _tool_input(data: dict[str, Any]) -> str:
    if "command" in data and len(data) == 1:
        return str(data["command"])
    shown = {k: (v if len(str(v)) <= 80 else str(v)[:77] + "...") for k, v in data.items()}
    return json.dumps(shown, ensure_ascii=False)


def _agent(event: dict[str, Any], cost_estimated: bool) -> list[str]:
    kind = event["type"]
    if kind == "TurnStarted":
        return [f"  turn {event['turn']}"]
    if kind == "ToolCall":
        return [f"    -> {event['name']}: {_tool_input(event['input'])}"]
    if kind == "ToolResult":
        mark = "<- error" if event["is_error"] else "<-"
        return _indent(event["output"], f"    {mark} ", _MAX_RESULT_LINES)
    if kind == "RetryScheduled":
        return [f"    API retry {event['retry']} in {event['delay_s']:.1f} s: {event['reason']}"]
    if kind == "AgentFinished":
        usage = event["usage"]
        tokens = sum(v for k, v in usage.items() if k.endswith("tokens"))
        cost = format_cost(usage["cost_usd"], estimate=cost_estimated)
        return [
            f"  agent finished ({event['outcome']}): {event['reason']} "
            f"[{event['turns']} turns, {tokens:,} tokens, {cost}]"
        ]
    return []


def _engine(record: dict[str, Any]) -> list[str]:
    kind = record["type"]
    if kind == "RunStarted":
        return [f"run {record['run_id']} started {record['at']}"]
    if kind == "TaskQueued":
        return [f"task {record['task_id']}: {record['title']}"]
    if kind == "TaskNotRunnable":
        return [f"not runnable: {record['reason']}"]
    if kind == "CheckpointCreated":
        return [f"checkpoint {record['ref']} ({record['commit'][:10]})"]
    if kind == "AttemptStarted":
        lines = [f"attempt {record['attempt']}/{record['max_attempts']} ({record['mode']})"]
        if record.get("message"):
            lines += _indent(record["message"], "  user> ")
        return lines
    if kind == "ChecksStarted":
        return ["  verifying"]
    if kind == "ReviewFinished":
        return [f"  review: {record['decision']}: {record['reason']}"] + [
            f"    {_problem(p)}" for p in record["findings"]
        ]
    if kind == "ChecksFinished":
        verdict = "passed" if record["passed"] else "failed"
        return [f"  checks {verdict}: {record['summary']}"] + [
            f"    {_problem(p)}" for p in record["problems"]
        ]
    if kind == "TaskStatusChanged":
        why = f" ({record['reason']})" if record.get("reason") else ""
        return [f"status {record['previous']} -> {record['status']}{why}"]
    if kind == "Committed":
        return [f"committed {(record['commit'] or '-')[:10]}: {', '.join(record['files'])}"]
    if kind == "CheckboxUpdated":
        state = "ticked" if record["checked"] else "unticked"
        return [f"checkbox {state}" + (f" (error: {record['error']})" if record["error"] else "")]
    if kind == "RunFinished":
        return [f"run finished{' (cancelled)' if record['cancelled'] else ''} {record['at']}"]
    return []


def render_transcript(
    records: Iterable[dict[str, Any]], task_id: str, *, cost_estimated: bool = False
) -> Iterator[str]:
    """Readable lines for `task_id`'s events; the model's text deltas are joined.
    `cost_estimated`: the models have no known price (costs read `~$...`)."""
    text: list[str] = []
    for record in records:
        if record.get("task_id", task_id) != task_id:
            continue
        event = record.get("event") if record.get("type") == "AgentActivity" else None
        if event is not None and event.get("type") == "TextDelta":
            text.append(event["text"])
            continue
        if text:
            yield from _indent("".join(text), "    model: ")
            text = []
        yield from _agent(event, cost_estimated) if event is not None else _engine(record)
    if text:
        yield from _indent("".join(text), "    model: ")


def log_command(task_id: str, as_json: bool, run_id: str | None) -> int:
    ws = open_workspace(Path.cwd())
    run = run_id or ws.store.last_run_id(task_id)
    if run is None:
        raise CommandError(f"no run of task {task_id!r} is recorded (see `roadmapd status`)")
    try:
        contents = ws.store.read_run_log(run)
    except (StoreError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    if as_json:
        for record in contents.records:
            if record.get("task_id", task_id) == task_id:
                print(json.dumps(record, ensure_ascii=False))
    else:
        estimated = is_estimate(*ws.config.priced_models)
        print("\n".join(render_transcript(contents.records, task_id, cost_estimated=estimated)))
    if contents.truncated_tail or contents.bad_lines:
        print("roadmapd: some lines of the event log were unreadable and skipped")
    return EXIT_OK
