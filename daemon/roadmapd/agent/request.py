"""One request to the Messages API, the one way every role calls the model.

`stream_request` streams a request with bounded retries (faults classified in `faults`, backoff
honouring `retry-after` up to a cap), yields text deltas and retry notices, and leaves the final
message (or the readable reason it failed) in a `Reply`. The agent loop, the reviewer and the
one-shot `completion` all use it, and reach the model through an `Endpoint` (the key, the base
URL, what to redact; a client with the SDK's own retries off, the SDK imported in a worker
thread), so they share the client, fault handling, backoff, fairness and pricing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from roadmapd.agent.events import AgentEvent, RetryScheduled, TextDelta, Usage
from roadmapd.agent.fairness import Turns
from roadmapd.agent.faults import IncompleteStream, backoff_s, classify
from roadmapd.agent.pricing import cost_usd
from roadmapd.agent.settings import AgentSettings
from roadmapd.secrets import redact, secrets_with_key

if TYPE_CHECKING:  # the SDK loads with the first request, not with every command
    import httpx2
    from anthropic import AsyncAnthropic
    from anthropic.types import Message as ApiMessage

DEFAULT_BASE_URL = "https://api.anthropic.com"
NO_API_KEY = "no API key: set ANTHROPIC_API_KEY"


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom a role calls the model, and what it keeps out of every text: its key
    and the values of `settings.secret_env` (see `secrets`)."""

    api_key: str | None
    base_url: str
    secrets: tuple[str, ...] = field(repr=False)

    @classmethod
    def of(cls, settings: AgentSettings, api_key: str | None = None) -> Endpoint:
        """`api_key` None -> ANTHROPIC_API_KEY; the base URL from the settings, else
        ANTHROPIC_BASE_URL, else the API's."""
        key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        url = settings.base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        return cls(key, url, secrets_with_key(key, settings.secret_env))

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    @property
    def missing_credentials(self) -> str | None:
        """Why no request can authenticate (no key, no ANTHROPIC_AUTH_TOKEN), or None."""
        ok = self.api_key or os.environ.get("ANTHROPIC_AUTH_TOKEN")
        return None if ok else NO_API_KEY

    async def client(self, http_client: httpx2.AsyncClient | None = None) -> AsyncAnthropic:
        """The SDK client, its own retries off (`stream_request` retries); built in a worker
        thread, because the first one imports the SDK and its HTTP stack (~1.5 s)."""
        return await asyncio.to_thread(_new_client, self.api_key, self.base_url, http_client)


def _new_client(
    api_key: str | None, base_url: str, http_client: httpx2.AsyncClient | None
) -> AsyncAnthropic:
    from anthropic import AsyncAnthropic

    return AsyncAnthropic(
        api_key=api_key, base_url=base_url, max_retries=0, http_client=http_client
    )


@dataclass
class Reply:
    """What one request ended with: the message, or the readable reason it failed."""

    message: ApiMessage | None = None
    failure: str = ""


def role_options(settings: AgentSettings, params: dict[str, Any]) -> dict[str, Any]:
    """The request options a role sets besides the model: its thinking budget (not with a
    forced tool choice, which the API refuses with thinking) and its timeout."""
    out: dict[str, Any] = {}
    forced = (params.get("tool_choice") or {}).get("type") in ("tool", "any")
    if settings.thinking_budget_tokens and not forced:
        out["thinking"] = {"type": "enabled", "budget_tokens": settings.thinking_budget_tokens}
    if settings.timeout_s is not None:
        out["timeout"] = settings.timeout_s
    return out


async def stream_request(
    client: AsyncAnthropic,
    params: dict[str, Any],
    settings: AgentSettings,
    redact: Callable[[str], str],
    reply: Reply,
) -> AsyncIterator[AgentEvent]:
    """One request with retries; streams text deltas; fills `reply`. Gives the event loop a
    turn every few stream events (see `fairness`)."""
    s = settings
    retry = 0
    params = {**params, **role_options(s, params)}
    while True:
        try:
            async with client.messages.stream(**params) as stream:
                stopped = False
                turns = Turns()  # a burst of events must not hold the loop
                async for event in stream:
                    if event.type == "text":
                        yield TextDelta(event.text)
                    elif event.type == "message_stop":
                        stopped = True
                    await turns.tick()
                if not stopped:
                    raise IncompleteStream("no message_stop event")
                reply.message = await stream.get_final_message()
            return
        except Exception as exc:
            fault = classify(exc)
            if fault is None:
                raise
            if not fault.retryable or retry >= s.max_retries:
                tries = f" (after {retry + 1} attempts)" if fault.retryable else ""
                reply.failure = redact(fault.reason + tries)
                return
            retry += 1
            delay = backoff_s(retry, fault, base_s=s.retry_base_s, cap_s=s.retry_cap_s)
            yield RetryScheduled(retry, delay, redact(fault.reason))
            await asyncio.sleep(delay)


def usage_of(model: str, message: ApiMessage) -> Usage:
    """The message's token counts and their cost at `model`'s price."""
    u = message.usage
    counts = {
        "input_tokens": u.input_tokens,
        "cache_write": u.cache_creation_input_tokens or 0,
        "cache_read": u.cache_read_input_tokens or 0,
        "output_tokens": u.output_tokens,
    }
    return Usage(
        counts["input_tokens"],
        counts["cache_write"],
        counts["cache_read"],
        counts["output_tokens"],
        cost_usd(model, **counts),
    )
