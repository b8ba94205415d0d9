"""Tracing: the engine's events as OpenTelemetry spans, exported over OTLP/HTTP.

Off unless the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set and
`OTEL_SDK_DISABLED` is not true; then `event_tracer(...)` gives an event sink that turns a run
into the span tree run -> task -> attempt -> turn | tool call | checks (-> one span per check) |
evidence | review. The SDK is the optional extra `roadmapd[otel]`: it is imported only when the
endpoint is set, and its absence is said once on the log, never an error.

Spans are built from the events' own timestamps, so a sink that sees an event late still
draws it where it happened. Attributes follow the GenAI semantic conventions for model calls
(`gen_ai.request.model`, `gen_ai.usage.*`, `gen_ai.tool.name`) and say otherwise only ids,
counts, names of checks and tools, statuses and costs: never a prompt, a reply, a tool's input
or output, a file's content, a reason text or a task's title. Every string passes through the
one redaction (`secrets.redact`) all the same.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from roadmapd.agent.events import (
    AgentFinished,
    RetryScheduled,
    ToolCall,
    ToolResult,
    TurnStarted,
    Usage,
    UsageReport,
)
from roadmapd.engine.events import (
    AgentActivity,
    AttemptStarted,
    ChecksFinished,
    ChecksStarted,
    Committed,
    Event,
    EvidenceChecked,
    ReviewFinished,
    RolledBack,
    RunFinished,
    RunStarted,
    TaskNotRunnable,
    TaskQueued,
    TaskStatusChanged,
)
from roadmapd.secrets import redact, secret_values

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

log = logging.getLogger(__name__)

ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
PROVIDER = "anthropic"
AttrValue = str | bool | int | float
Attributes = Mapping[str, object]

_tracer: Tracer | None = None
_said_missing = False


def wanted(env: Mapping[str, str] | None = None) -> bool:
    """True when the environment asks for traces (an OTLP endpoint, the SDK not disabled)."""
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(env.get(name, "").strip() for name in ENDPOINT_VARS)


def event_tracer(model: str, reviewer_model: str) -> Callable[[Event], None] | None:
    """An event sink that exports the runs it sees as spans, or None when tracing is off."""
    tracer = _process_tracer()
    if tracer is None:
        return None
    return EventTracer(tracer, model, reviewer_model)


def _process_tracer() -> Tracer | None:
    """The process's one tracer: its batch exporter is flushed by the SDK at exit."""
    global _tracer, _said_missing
    if _tracer is not None or not wanted():
        return _tracer
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        if not _said_missing:
            _said_missing = True
            log.warning(
                "tracing is off: OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK "
                "is not installed (pip install 'roadmapd[otel]')"
            )
        return None
    from roadmapd import __version__

    resource = Resource.create({"service.name": "roadmapd", "service.version": __version__})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    _tracer = provider.get_tracer("roadmapd", __version__)
    return _tracer


def _ns(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000_000)


def usage_attributes(usage: Usage) -> dict[str, AttrValue]:
    return {
        "gen_ai.usage.input_tokens": usage.total_input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": usage.cache_read_input_tokens,
        "gen_ai.usage.cache_creation.input_tokens": usage.cache_creation_input_tokens,
        "roadmapd.cost_usd": round(usage.cost_usd, 6),
    }


@dataclass
class _Open:
    span: Span
    last: datetime  # the newest event seen inside it: where it ends if nothing ends it sooner


@dataclass
class _TaskSpans:
    task: _Open
    attempt: _Open | None = None
    turn: _Open | None = None
    checks: _Open | None = None
    tools: dict[str, _Open] = field(default_factory=dict)
    reviews: Usage = field(default_factory=Usage)  # the reviewer's, apart from the outcome's


class EventTracer:
    """The span tree of every run it sees; one per engine (thread-confined like the engine)."""

    def __init__(self, tracer: Tracer, model: str, reviewer_model: str) -> None:
        self._tracer = tracer
        self._model = model
        self._reviewer_model = reviewer_model
        self._secrets = secret_values()
        self._runs: dict[str, _Open] = {}
        self._tasks: dict[tuple[str, str], _TaskSpans] = {}

    def __call__(self, event: Event) -> None:
        try:
            self._on(event)
        except Exception:  # tracing must never stop a run
            log.exception("tracing: could not record %s", type(event).__name__)

    # --- spans -------------------------------------------------------------------------------

    def _start(self, name: str, parent: Span | None, at: datetime, attrs: Attributes) -> _Open:
        from opentelemetry import trace

        context = trace.set_span_in_context(parent) if parent is not None else None
        span = self._tracer.start_span(
            name, context=context, start_time=_ns(at), attributes=self._clean(attrs)
        )
        return _Open(span, at)

    def _clean(self, attrs: Attributes) -> dict[str, AttrValue]:
        out: dict[str, AttrValue] = {}
        for key, value in attrs.items():
            if isinstance(value, str):
                out[key] = redact(value, self._secrets)
            elif isinstance(value, bool | int | float):
                out[key] = value
        return out

    def _end(self, open_: _Open | None, at: datetime | None = None) -> None:
        if open_ is not None:
            open_.span.end(end_time=_ns(max(at or open_.last, open_.last)))

    def _set(self, open_: _Open, attrs: Attributes) -> None:
        open_.span.set_attributes(self._clean(attrs))

    # --- events ------------------------------------------------------------------------------

    def _on(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            attrs = {
                "roadmapd.run.id": event.run_id,
                "roadmapd.run.tasks": len(event.task_ids),
            }
            self._runs[event.run_id] = self._start("roadmapd.run", None, event.at, attrs)
            return
        if isinstance(event, RunFinished):
            self._finish_run(event)
            return
        if isinstance(event, RolledBack):
            self._rollback(event)
            return
        run = self._runs.get(event.run_id)
        if run is None:
            return
        run.last = event.at
        if isinstance(event, TaskQueued):
            attrs = {
                "roadmapd.task.id": event.task_id,
                "roadmapd.task.position": event.position,
            }
            task = self._start("roadmapd.task", run.span, event.at, attrs)
            self._tasks[(event.run_id, event.task_id)] = _TaskSpans(task)
            return
        if isinstance(event, TaskNotRunnable):
            attrs = {
                "roadmapd.task.id": event.task_id,
                "roadmapd.blocked_by": len(event.blocked_by),
            }
            run.span.add_event("roadmapd.task.not_runnable", self._clean(attrs), _ns(event.at))
            return
        spans = self._tasks.get((event.run_id, getattr(event, "task_id", "")))
        if spans is None:
            return
        spans.task.last = event.at
        self._on_task(event, spans)

    def _on_task(self, event: Event, spans: _TaskSpans) -> None:
        if isinstance(event, TaskStatusChanged):
            self._set(spans.task, {"roadmapd.task.status": event.status.value})
        elif isinstance(event, AttemptStarted):
            self._end_attempt(spans, event.at)
            attrs = {
                "roadmapd.attempt": event.attempt,
                "roadmapd.attempt.mode": event.mode,
            }
            spans.attempt = self._start("roadmapd.attempt", spans.task.span, event.at, attrs)
        elif isinstance(event, AgentActivity):
            self._agent(event, spans)
        elif isinstance(event, ChecksStarted):
            spans.checks = self._start("roadmapd.checks", self._attempt(spans), event.at, {})
        elif isinstance(event, ChecksFinished):
            self._checks(event, spans)
        elif isinstance(event, EvidenceChecked):
            weighed = {"roadmapd.evidence.passed": event.passed}
            self._end(
                self._start("roadmapd.evidence", self._attempt(spans), event.started, weighed)
            )
        elif isinstance(event, ReviewFinished):
            self._review(event, spans)
        elif isinstance(event, Committed):
            commit = {"roadmapd.commit": event.commit or "", "roadmapd.files": len(event.files)}
            spans.task.span.add_event("roadmapd.committed", self._clean(commit), _ns(event.at))
        if spans.attempt is not None:
            spans.attempt.last = max(spans.attempt.last, event.at)

    def _attempt(self, spans: _TaskSpans) -> Span:
        return spans.attempt.span if spans.attempt is not None else spans.task.span

    def _agent(self, activity: AgentActivity, spans: _TaskSpans) -> None:
        event, at, parent = activity.event, activity.at, self._attempt(spans)
        if isinstance(event, TurnStarted):
            self._end(spans.turn, at)
            attrs = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": PROVIDER,
                "gen_ai.system": PROVIDER,
                "gen_ai.request.model": self._model,
                "roadmapd.turn": event.turn,
            }
            spans.turn = self._start(f"chat {self._model}", parent, at, attrs)
        elif isinstance(event, UsageReport) and spans.turn is not None:
            self._set(spans.turn, usage_attributes(event.usage))
            self._end(spans.turn, at)
            spans.turn = None
        elif isinstance(event, RetryScheduled) and spans.turn is not None:
            attrs = {
                "roadmapd.retry": event.retry,
                "roadmapd.delay_s": event.delay_s,
            }
            spans.turn.span.add_event("roadmapd.retry_scheduled", self._clean(attrs), _ns(at))
        elif isinstance(event, ToolCall):
            attrs = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": event.name,
                "gen_ai.tool.call.id": event.id,
            }
            spans.tools[event.id] = self._start(f"execute_tool {event.name}", parent, at, attrs)
        elif isinstance(event, ToolResult):
            tool = spans.tools.pop(event.id, None)
            if tool is not None:
                if event.is_error:
                    self._set(tool, {"error.type": "tool_error"})
                self._end(tool, at)
        elif isinstance(event, AgentFinished):
            self._end(spans.turn, at)
            spans.turn = None
            if spans.attempt is not None:
                attrs = {
                    "roadmapd.agent.outcome": event.outcome,
                    "roadmapd.turns": event.turns,
                }
                self._set(spans.attempt, {**attrs, **usage_attributes(event.usage)})

    def _checks(self, event: ChecksFinished, spans: _TaskSpans) -> None:
        checks = spans.checks or self._start("roadmapd.checks", self._attempt(spans), event.at, {})
        spans.checks = None
        self._set(
            checks,
            {"roadmapd.checks.passed": event.passed, "roadmapd.problems": len(event.problems)},
        )
        start = checks.last
        for result in event.results:
            attrs = {
                "roadmapd.check.name": result.name,
                "roadmapd.check.passed": result.passed,
                "roadmapd.check.exit_code": -1 if result.exit_code is None else result.exit_code,
                "roadmapd.problems": len(result.problems),
            }
            one = self._start("roadmapd.check", checks.span, start, attrs)
            self._end(one, min(event.at, start + timedelta(seconds=result.duration_s)))
        self._end(checks, event.at)

    def _review(self, event: ReviewFinished, spans: _TaskSpans) -> None:
        spans.reviews = spans.reviews + event.usage
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": PROVIDER,
            "gen_ai.system": PROVIDER,
            "gen_ai.request.model": self._reviewer_model,
            "roadmapd.review.decision": event.decision,
            "roadmapd.review.findings": len(event.findings),
            **usage_attributes(event.usage),
        }
        review = self._start(
            "roadmapd.review", self._attempt(spans), event.started or event.at, attrs
        )
        self._end(review, event.at)

    def _end_attempt(self, spans: _TaskSpans, at: datetime) -> None:
        for tool in spans.tools.values():
            self._end(tool, at)
        spans.tools.clear()
        for name in ("turn", "checks", "attempt"):
            self._end(getattr(spans, name), at)
            setattr(spans, name, None)

    def _finish_run(self, event: RunFinished) -> None:
        run = self._runs.pop(event.run_id, None)
        if run is None:
            return
        total = Usage()
        for outcome in event.outcomes:
            spans = self._tasks.pop((event.run_id, outcome.task_id), None)
            if spans is None:
                total = total + outcome.usage
                continue
            usage = outcome.usage + spans.reviews  # the task's whole cost: agent and reviewer
            total = total + usage
            attrs = {
                "roadmapd.task.status": outcome.status.value,
                "roadmapd.attempts": outcome.attempts,
                "roadmapd.turns": outcome.turns,
                **usage_attributes(usage),
            }
            self._set(spans.task, attrs)
            self._end_attempt(spans, spans.task.last)
            self._end(spans.task)
        for key in [k for k in self._tasks if k[0] == event.run_id]:
            spans = self._tasks.pop(key)
            self._end_attempt(spans, spans.task.last)
            self._end(spans.task)
        self._set(run, {"roadmapd.run.cancelled": event.cancelled, **usage_attributes(total)})
        self._end(run, event.at)

    def _rollback(self, event: RolledBack) -> None:
        attrs = {
            "roadmapd.task.id": event.task_id,
            "roadmapd.rollback.done": event.done,
            "roadmapd.rollback.method": event.method,
            "roadmapd.rollback.undo": event.undo,
            "roadmapd.files": len(event.files),
        }
        run = self._runs.get(event.run_id)
        self._end(self._start("roadmapd.rollback", run.span if run else None, event.at, attrs))
