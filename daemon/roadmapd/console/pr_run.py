"""PR mode at the end of `roadmapd run`: push and open the PR of each task the run committed.

`roadmapd/publishing.py` does the work; this prints each task's `Published` event line with
--json (stdout, with the run's events) and returns the records for the summary.
"""

from __future__ import annotations

from collections.abc import Sequence

from roadmapd.console.common import Project
from roadmapd.engine import TaskOutcome
from roadmapd.publishing import ChecksMemo, publish_outcomes, report
from roadmapd.roadmap import Task
from roadmapd.store.published import Published


def publish_run(
    project: Project,
    tasks: Sequence[Task],
    outcomes: Sequence[TaskOutcome],
    checks: ChecksMemo,
    as_json: bool,
) -> list[Published]:
    ws = project.workspace
    if ws.config.commit_mode != "pr":
        return []
    records = publish_outcomes(ws.root, ws.store.paths, ws.config, tasks, outcomes, checks)
    if as_json:
        for record in records:
            print(report(record, True), flush=True)
    return records
