"""A one-shot completion: one request without tools, answered with text.

For the roles that only ask (breaking a task down into subtasks). It takes the path every role
takes (`request`: the client of an `Endpoint`, `stream_request`'s faults, backoff and
fairness, `usage_of`'s pricing) and says what happened in the agent's typed events
(`events.py`), in order: `TurnStarted`, `TextDelta`s, `RetryScheduled`s, `UsageReport`, and last
`AgentFinished` (`end_turn`; `max_tokens` when the answer was cut off; `api_error` with the
readable reason, as the agent loop words it). The key and the marked variables (`secret_env`)
are taken out of the prompt and of every reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roadmapd.agent.events import (
    AgentEvent,
    AgentFinished,
    Outcome,
    TurnStarted,
    Usage,
    UsageReport,
)
from roadmapd.agent.request import Endpoint, Reply, stream_request, usage_of
from roadmapd.agent.settings import AgentSettings

EventSink = Callable[[AgentEvent], None]


@dataclass(frozen=True)
class Completion:
    """The answer's text ("" when the request failed) and how it ended, with its priced usage."""

    text: str
    finished: AgentFinished

    @property
    def failed(self) -> bool:
        return self.finished.outcome == "api_error"


def _ignore(event: AgentEvent) -> None:
    pass


async def complete(
    settings: AgentSettings,
    *,
    system: str,
    prompt: str,
    api_key: str | None = None,
    on_event: EventSink = _ignore,
) -> Completion:
    """Ask `settings.model` once (`settings.max_tokens`, no tools); every event goes to
    `on_event`, the last one is also in the result. `api_key` None -> ANTHROPIC_API_KEY."""
    endpoint = Endpoint.of(settings, api_key)
    usage = Usage()

    def finish(outcome: Outcome, reason: str, text: str = "") -> Completion:
        done = AgentFinished(outcome, endpoint.redact(reason), 1, usage)
        on_event(done)
        return Completion(text, done)

    on_event(TurnStarted(1))
    if (missing := endpoint.missing_credentials) is not None:
        return finish("api_error", missing)
    params: dict[str, Any] = {
        "model": settings.model,
        "max_tokens": settings.max_tokens,
        "system": endpoint.redact(system),
        "messages": [{"role": "user", "content": endpoint.redact(prompt)}],
    }
    reply = Reply()
    client = await endpoint.client()
    try:
        async for event in stream_request(client, params, settings, endpoint.redact, reply):
            on_event(event)
    finally:
        await client.close()
    if reply.message is None:
        return finish("api_error", reply.failure)
    usage = usage_of(settings.model, reply.message)
    on_event(UsageReport(1, usage, usage))
    text = "".join(block.text for block in reply.message.content if block.type == "text")
    if reply.message.stop_reason == "max_tokens":
        return finish("max_tokens", "the answer was cut off by max_tokens", text)
    return finish("end_turn", "the model answered", text)
