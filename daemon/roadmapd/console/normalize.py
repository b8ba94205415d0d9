"""`roadmapd normalize FILE [--write]`: the model's task list for a free-form roadmap, printed
as a unified diff; written (atomically) only with `--write`, and only when the file did not
change while the model worked. Exit 0 done, 1 no usable answer, 2 usage or configuration error.
"""

from __future__ import annotations

import asyncio
import difflib
import sys
from pathlib import Path

from roadmapd.agent.events import AgentEvent, RetryScheduled
from roadmapd.agent.pricing import format_cost, is_estimate
from roadmapd.console.common import (
    EXIT_FAILED,
    EXIT_OK,
    error,
    read_roadmap_text,
    read_workspace,
    show_path,
)
from roadmapd.files import write_atomic


def unified_diff(old: str, new: str, name: str) -> str:
    """The change as `diff -u` prints it (line endings not shown; "" when nothing changed)."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"a/{name}", f"b/{name}", lineterm=""
    )
    return "".join(f"{line}\n" for line in lines)


def _say(event: AgentEvent, cost_estimated: bool) -> None:
    """The request's retries on stderr, as a run's transcript words them."""
    if isinstance(event, RetryScheduled):
        from roadmapd.engine.events import AgentActivity
        from roadmapd.engine.serialize import event_to_json
        from roadmapd.transcript import describe

        doc = event_to_json(AgentActivity(run_id="", task_id="", attempt=1, event=event))
        for _, text in describe(doc, cost_estimated=cost_estimated):
            error(text)


def normalize_command(file: str, write: bool) -> int:
    from roadmapd.normalize.answer import fit_line_endings
    from roadmapd.normalize.ask import NormalizeError, normalize, settings_for

    path = Path(file).resolve()
    original = read_roadmap_text(path)
    config = read_workspace(path.parent).config
    settings = settings_for(config)
    estimate = is_estimate(settings.model)
    error(f"asking {settings.model} for a task list of {show_path(path)}")
    try:
        result = asyncio.run(normalize(settings, original, lambda e: _say(e, estimate)))
    except NormalizeError as exc:
        error(f"{show_path(path)}: {exc}")
        return EXIT_FAILED
    new = fit_line_endings(original, result.text)
    cost = format_cost(result.usage.cost_usd, estimate=estimate)
    done = sum(t.checked for t in result.roadmap.tasks)
    summary = f"{len(result.roadmap.tasks)} tasks, {done} done ({cost}"
    summary += f", {result.asks} answers)" if result.asks > 1 else ")"
    if new == original:
        error(f"{summary}; {show_path(path)} is that task list already: nothing to change")
        return EXIT_OK
    sys.stdout.write(unified_diff(original, new, path.name))
    if not write:
        error(f"{summary}; not written: pass --write to replace {show_path(path)}")
        return EXIT_OK
    if read_roadmap_text(path) != original:
        error(f"{show_path(path)} changed while the model worked; nothing was written")
        return EXIT_FAILED
    write_atomic(path, new.encode("utf-8"))
    error(f"{summary}; wrote {show_path(path)}")
    return EXIT_OK
