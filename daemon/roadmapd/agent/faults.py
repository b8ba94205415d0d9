"""What went wrong with a request, whether it is worth trying again, and how long to wait.

The SDK's own retries are off (`max_retries=0`); the session retries with bounded exponential
backoff, honouring `retry-after` (or `retry-after-ms`) up to a cap. Retried: 408, 409, 429, 5xx,
529, connection errors, timeouts, error events in the middle of a stream and streams that end
before `message_stop`. Not retried: every other 4xx (401 says to check ANTHROPIC_API_KEY).
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the SDK loads with the first request, not with every command
    import anthropic

_RETRY_STATUS = frozenset({408, 409, 429})
_FATAL_STREAM_ERRORS = frozenset(
    {"invalid_request_error", "authentication_error", "permission_error", "not_found_error"}
)


class IncompleteStream(Exception):
    """The response stream ended before `message_stop`."""


@dataclass(frozen=True, slots=True)
class Fault:
    reason: str
    retryable: bool
    retry_after_s: float | None = None


def _error_detail(body: object, fallback: str) -> tuple[str, str]:
    """(error type, message) from an API error body, or ("error", fallback)."""
    if isinstance(body, dict):
        err: Any = body.get("error", body)
        if isinstance(err, dict):
            return str(err.get("type", "error")), str(err.get("message", fallback))
    return "error", fallback


def _retry_after(headers: Any) -> float | None:
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(float(millis) / 1000, 0.0)
        value = headers.get("retry-after")
    except (AttributeError, ValueError):
        return None
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _status_fault(exc: anthropic.APIStatusError) -> Fault:
    status = exc.status_code
    kind, message = _error_detail(exc.body, exc.message)
    if status == 200:  # an `error` event in the middle of the stream
        return Fault(f"stream interrupted by {kind}: {message}", kind not in _FATAL_STREAM_ERRORS)
    if status == 401:
        return Fault("authentication failed: check ANTHROPIC_API_KEY", False)
    if status == 403:
        return Fault(f"permission denied (403 {kind}): {message}", False)
    # The server may say outright whether a retry can help (the SDK honours this header too).
    should_retry = exc.response.headers.get("x-should-retry", "").lower()
    retryable = (status in _RETRY_STATUS or status >= 500) and should_retry != "false"
    if should_retry == "true":
        retryable = True
    label = "API unavailable" if retryable else "request rejected"
    return Fault(
        f"{label} ({status} {kind}): {message}", retryable, _retry_after(exc.response.headers)
    )


def classify(exc: BaseException) -> Fault | None:
    """The fault behind `exc`, or None if it is not a failure of the API call."""
    import anthropic  # already loaded: only a request raises what is classified here
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        return _status_fault(exc)
    if isinstance(exc, anthropic.APITimeoutError):
        return Fault("the request timed out", True)
    if isinstance(exc, anthropic.APIConnectionError):
        return Fault(f"connection failed: {exc.message}", True)
    if isinstance(exc, httpx2.TransportError):
        return Fault(f"connection lost mid-stream: {type(exc).__name__}: {exc}", True)
    if isinstance(exc, IncompleteStream):
        return Fault(f"the response stream ended early: {exc}", True)
    if isinstance(exc, anthropic.AnthropicError):
        return Fault(f"API client error: {exc}", False)
    return None


def backoff_s(retry: int, fault: Fault, *, base_s: float, cap_s: float) -> float:
    """Delay before retry number `retry` (1-based): `retry-after` if given, else jittered 2^n."""
    if fault.retry_after_s is not None:
        return min(fault.retry_after_s, cap_s)
    return min(base_s * 2.0 ** (retry - 1), cap_s) * random.uniform(0.5, 1.0)
