"""`roadmapd log TASK [--json]`: the readable transcript of a task's last run (its event log),
written by the one renderer (`roadmapd.transcript`), as the editor's "Show Log" shows it."""

from __future__ import annotations

import json
from pathlib import Path

from roadmapd.agent.pricing import is_estimate
from roadmapd.console.common import EXIT_OK, CommandError, read_workspace
from roadmapd.store import StoreError
from roadmapd.transcript import log_text


def log_command(task_id: str, as_json: bool, run_id: str | None) -> int:
    ws = read_workspace(Path.cwd())
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
        print(log_text(contents.records, task_id, cost_estimated=estimated), end="")
    if contents.truncated_tail or contents.bad_lines:
        print("roadmapd: some lines of the event log were unreadable and skipped")
    return EXIT_OK
