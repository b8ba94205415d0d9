"""Live progress of a run in a terminal: an engine event sink with three renderings.

- `tty`: permanent lines for what happened plus one status line (task, attempt, phase, tokens,
  cost) redrawn in place with `\\r` and an ANSI erase;
- `plain`: the same permanent lines only, for logs and pipes;
- `json`: one `event_to_json` object per line and nothing else.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from roadmapd.agent.events import (
    AgentFinished,
    RetryScheduled,
    ToolCall,
    TurnStarted,
    Usage,
    UsageReport,
)
from roadmapd.agent.pricing import format_cost
from roadmapd.console.common import problem_line
from roadmapd.engine import (
    AgentActivity,
    AttemptStarted,
    CheckboxUpdated,
    CheckpointCreated,
    ChecksFinished,
    ChecksStarted,
    Committed,
    Event,
    ReviewFinished,
    TaskNotRunnable,
    TaskQueued,
    TaskStatus,
    TaskStatusChanged,
    event_to_json,
)
from roadmapd.engine.events import unprotected_summary

Mode = Literal["tty", "plain", "json"]
MAX_PROBLEMS_SHOWN = 10
_FINAL = {TaskStatus.COMMITTED, TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.ROLLED_BACK}
_ERASE = "\r\x1b[K"


def format_usage(usage: Usage, estimate: bool = False) -> str:
    """`7,552 tokens, $0.0100` (`~$0.0100` when `estimate`: a model without a known price)."""
    tokens = usage.total_input_tokens + usage.output_tokens
    return f"{tokens:,} tokens, {format_cost(usage.cost_usd, estimate=estimate)}"


def describe_tool(call: ToolCall) -> str:
    """A short human form of a tool call: `edit calc.py (create)`, `$ pytest -q`."""
    data = call.input
    if "command" in data and call.name == "bash":
        first = str(data["command"]).strip().splitlines()[0] if data["command"] else ""
        return f"$ {first[:80]}"
    if "path" in data:
        return f"{data.get('command', call.name)} {data['path']}"
    return call.name


@dataclass
class _Live:
    """What the status line shows about the task being worked on."""

    task_id: str = ""
    title: str = ""
    attempt: int = 0
    max_attempts: int = 0
    phase: str = ""
    done_usage: Usage = field(default_factory=Usage)  # finished attempts of this task
    attempt_usage: Usage = field(default_factory=Usage)  # the attempt under way
    commit: str = ""  # short hash and file count, once committed

    @property
    def usage(self) -> Usage:
        return self.done_usage + self.attempt_usage


class Progress:
    """Call it with every engine event (an `EventSink`); `close()` clears the status line."""

    def __init__(
        self,
        out: TextIO,
        mode: Mode,
        root: Path,
        position: tuple[int, int],
        *,
        cost_estimated: bool = False,
    ) -> None:
        self.out, self.mode, self.root = out, mode, root
        self.cost_estimated = cost_estimated  # the models have no known price: `~$...`
        self.position = position  # (k, n): this run's task k of n, for the status line
        self._live = _Live()
        self.parallel = False  # tasks run at once: one _Live each, lines prefixed by task id
        self._lives: dict[str, _Live] = {}
        self._prefix = ""
        self._titles: dict[str, str] = {}
        self._status_shown = False

    def __call__(self, event: Event) -> None:
        if self.mode == "json":
            self.out.write(json.dumps(event_to_json(event), ensure_ascii=False) + "\n")
            self.out.flush()
            return
        task_id = getattr(event, "task_id", None)
        if self.parallel and isinstance(task_id, str):
            self._live = self._lives.setdefault(task_id, _Live(task_id=task_id))
            self._prefix = f"[{task_id}] "
        self._render(event)
        if self.mode == "tty" and not self.parallel:
            self._draw_status()

    def close(self) -> None:
        if self._status_shown:
            self.out.write(_ERASE)
            self.out.flush()
            self._status_shown = False

    # --- rendering -----------------------------------------------------------------------

    def _line(self, text: str) -> None:
        if self._status_shown:
            self.out.write(_ERASE)
            self._status_shown = False
        self.out.write(self._prefix + text + "\n")
        self.out.flush()

    def _render(self, event: Event) -> None:
        live = self._live
        if isinstance(event, TaskQueued):
            self._titles[event.task_id] = event.title
            self._live = _Live(task_id=event.task_id, title=event.title, phase="queued")
            self._lives[event.task_id] = self._live
            k, n = (event.position, self.position[1]) if self.parallel else self.position
            self._line(f"[{k}/{n}] {event.task_id}: {event.title}")
        elif isinstance(event, TaskNotRunnable):
            self._line(f"  - {event.task_id} not run: {event.reason}")
        elif isinstance(event, AttemptStarted):
            live.attempt, live.max_attempts = event.attempt, event.max_attempts
            live.done_usage, live.attempt_usage = live.usage, Usage()
            live.phase = "agent"
            self._line(f"  attempt {event.attempt}/{event.max_attempts}")
        elif isinstance(event, AgentActivity):
            self._agent(event)
        elif isinstance(event, ChecksStarted):
            live.phase = "verifying"
        elif isinstance(event, ChecksFinished):
            self._checks(event)
        elif isinstance(event, CheckpointCreated) and event.unprotected:
            self._line(
                f"  not protected by the checkpoint: {unprotected_summary(event.unprotected)}"
            )
        elif isinstance(event, ReviewFinished):
            usage = format_usage(event.usage, self.cost_estimated)
            self._line(f"  review: {event.decision.replace('_', ' ')}: {event.reason} [{usage}]")
            for problem in event.findings[:MAX_PROBLEMS_SHOWN]:
                self._line(f"    {problem_line(problem, self.root)}")
        elif isinstance(event, TaskStatusChanged):
            self._status(event)
        elif isinstance(event, Committed):
            self._live.commit = f"{(event.commit or '')[:10]} ({len(event.files)} files)"
        elif isinstance(event, CheckboxUpdated) and event.error:
            self._line(f"  warning: the checkbox of {event.task_id} was not updated: {event.error}")

    def _agent(self, activity: AgentActivity) -> None:
        live, event = self._live, activity.event
        if isinstance(event, TurnStarted):
            live.phase = f"agent turn {event.turn}"
        elif isinstance(event, UsageReport):
            live.attempt_usage = event.total
        elif isinstance(event, ToolCall):
            live.phase = live.phase.split(" | ")[0] + " | " + describe_tool(event)
            if self.mode == "plain":
                self._line(f"    {describe_tool(event)}")
        elif isinstance(event, RetryScheduled):
            self._line(f"    API retry {event.retry} in {event.delay_s:.1f} s: {event.reason}")
        elif isinstance(event, AgentFinished):
            live.attempt_usage = event.usage
            if event.outcome != "end_turn":
                self._line(f"    agent stopped ({event.outcome}): {event.reason}")

    def _checks(self, event: ChecksFinished) -> None:
        verdict = "passed" if event.passed else "failed"
        self._line(f"  checks {verdict}: {event.summary}")
        if not event.passed:
            for problem in event.problems[:MAX_PROBLEMS_SHOWN]:
                self._line(f"    {problem_line(problem, self.root)}")
            hidden = len(event.problems) - MAX_PROBLEMS_SHOWN
            if hidden > 0:
                self._line(f"    ... and {hidden} more")

    def _status(self, event: TaskStatusChanged) -> None:
        live = self._live
        if event.status is TaskStatus.PASSED:
            live.phase = "committing"
        if event.status is TaskStatus.AWAITING_APPROVAL:
            live.phase = "awaiting approval"
            self._line(f"  {event.task_id}: checks passed; waiting for approval to commit")
        if event.status is TaskStatus.COMMITTED:
            usage = format_usage(live.usage, self.cost_estimated)
            self._line(f"  committed {live.commit} [{usage}]")
        elif event.status in _FINAL:
            why = f": {event.reason}" if event.reason else ""
            usage = format_usage(live.usage, self.cost_estimated)
            self._line(f"  {event.status.value}{why} [{usage}]")

    def _draw_status(self) -> None:
        live = self._live
        if not live.task_id or live.phase in ("", "queued"):
            return
        k, n = self.position
        attempt = f"attempt {live.attempt}/{live.max_attempts}" if live.attempt else ""
        usage = format_usage(live.usage, self.cost_estimated)
        parts = [f"[{k}/{n}] {live.task_id}", attempt, live.phase, usage]
        text = " | ".join(p for p in parts if p)
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.out.write(_ERASE + text[:width])
        self.out.flush()
        self._status_shown = True
