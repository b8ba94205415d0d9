"""The reviewer role: a second model pass over an attempt whose checks and evidence passed.

The reviewer gets the task (title, body, `Acceptance:` lines), the diff and the check results,
and must answer through one forced tool call (`submit_verdict`, a JSON schema): `pass`,
`changes_requested` (findings with file, line, message, fix hint) or `blocked` (needs a human
or a new plan, with the reason), plus one entry per acceptance criterion (met, evidence). A
verdict that breaks the schema is sent back once with the validation error; a second one ends
in `error`. It calls the model through `request.stream_request`, like the agent loop, and may
use its own model (`[roles.reviewer] model`); its tokens and cost are reported on their own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from roadmapd.agent.events import Usage
from roadmapd.agent.request import Endpoint, Reply, stream_request, usage_of
from roadmapd.agent.settings import AgentSettings

if TYPE_CHECKING:  # the SDK loads with the first request, not with every command
    from anthropic.types import Message as ApiMessage
    from anthropic.types import ToolUseBlock

Decision = Literal["pass", "changes_requested", "blocked"]
TOOL_NAME = "submit_verdict"
VERDICT_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": "Submit your verdict on the attempt. Call it exactly once.",
    "input_schema": {
        "type": "object",
        "properties": {
            "decision": {"type": "string", "enum": ["pass", "changes_requested", "blocked"]},
            "reason": {"type": "string", "description": "one or two sentences"},
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string"},
                        "line": {"type": "integer", "minimum": 1},
                        "message": {"type": "string"},
                        "fix": {"type": "string"},
                    },
                    "required": ["message"],
                },
            },
            "criteria": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "criterion": {"type": "string"},
                        "met": {"type": "boolean"},
                        "evidence": {"type": "string"},
                    },
                    "required": ["criterion", "met"],
                },
            },
        },
        "required": ["decision", "reason"],
    },
}
SYSTEM = (
    "You review one change made by a coding agent for one task of a roadmap. The daemon "
    "already ran the project's checks and they passed, and a test shows the task's behaviour. "
    "Judge whether the change does what the task asks, completely and without unrelated "
    "changes, and whether each acceptance criterion is met. Answer only by calling "
    f"{TOOL_NAME}: 'pass' if it is done; 'changes_requested' with concrete findings (file, line, "
    "what is wrong, how to fix it) if the agent can finish it; 'blocked' if it needs a human "
    "or a new plan (the task is unclear, contradictory or impossible as written)."
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ReviewFinding(_Model):
    message: str
    file: str | None = None
    line: int | None = None
    fix: str = ""


class Criterion(_Model):
    criterion: str
    met: bool
    evidence: str = ""


class Verdict(_Model):
    decision: Decision
    reason: str
    findings: list[ReviewFinding] = []
    criteria: list[Criterion] = []


@dataclass(frozen=True)
class Review:
    """The reviewer's answer; `decision` "error" when no valid verdict came (`reason` says why)."""

    decision: Decision | Literal["error"]
    reason: str
    findings: tuple[ReviewFinding, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    usage: Usage = field(default_factory=Usage)


def review_prompt(
    title: str, body: Sequence[str], acceptance: Sequence[str], diff: str, checks: str
) -> str:
    parts = [f"Task: {title}"]
    if body:
        parts.append("Details:\n" + "\n".join(f"- {line}" for line in body))
    if acceptance:
        parts.append("Acceptance criteria:\n" + "\n".join(f"- {line}" for line in acceptance))
    parts.append(f"The daemon's checks: {checks}")
    parts.append("The change (diff against the state before the task):\n" + (diff or "(none)"))
    return "\n\n".join(parts)


class Reviewer:
    def __init__(
        self, settings: AgentSettings, *, api_key: str | None, model: str | None = None
    ) -> None:
        self.settings = settings
        self.model = model or settings.model
        self._endpoint = Endpoint.of(settings, api_key)
        self._redact = self._endpoint.redact

    async def review(self, prompt: str) -> Review:
        s = self.settings
        client = await self._endpoint.client()
        messages: list[dict[str, Any]] = [{"role": "user", "content": self._redact(prompt)}]
        usage = Usage()
        try:
            for attempt in (1, 2):
                reply = Reply()
                params: dict[str, Any] = {
                    "model": self.model,
                    "max_tokens": min(s.max_tokens, 4096),
                    "system": SYSTEM,
                    "tools": [VERDICT_TOOL],
                    "tool_choice": {"type": "tool", "name": TOOL_NAME},
                    "messages": messages,
                }
                async for _event in stream_request(client, params, s, self._redact, reply):
                    pass
                if reply.message is None:
                    why = f"the review request failed: {reply.failure}"
                    return Review("error", why, usage=usage)
                usage = usage + usage_of(self.model, reply.message)
                call = _verdict_call(reply.message)
                verdict = _parse(call)
                if isinstance(verdict, Verdict):
                    return Review(
                        verdict.decision,
                        self._redact(verdict.reason),
                        tuple(verdict.findings),
                        tuple(verdict.criteria),
                        usage,
                    )
                if attempt == 2 or call is None:
                    why = f"the reviewer gave no valid verdict twice: {verdict}"
                    return Review("error", why, usage=usage)
                messages += _schema_retry(call, verdict)
            raise AssertionError("unreachable")
        finally:
            await client.close()


def _verdict_call(message: ApiMessage) -> ToolUseBlock | None:
    for block in message.content:
        if block.type == "tool_use" and block.name == TOOL_NAME:
            return block
    return None


def _parse(call: ToolUseBlock | None) -> Verdict | str:
    """The verdict, or what is wrong with it."""
    if call is None:
        return f"no {TOOL_NAME} call in the reply"
    try:
        return Verdict.model_validate(call.input)
    except ValidationError as exc:
        return _brief(exc)


def _schema_retry(call: ToolUseBlock, problem: str) -> list[dict[str, Any]]:
    """The turn that sends an invalid verdict back once, with what is wrong."""
    result = {
        "type": "tool_result",
        "tool_use_id": call.id,
        "content": f"invalid verdict: {problem}; call {TOOL_NAME} again following its schema",
        "is_error": True,
    }
    return [
        {"role": "assistant", "content": [call.model_dump(exclude_none=True)]},
        {"role": "user", "content": [result]},
    ]


def _brief(exc: ValidationError) -> str:
    errors = exc.errors()
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(verdict)'}: {e['msg']}" for e in errors[:5]
    ) or json.dumps(str(exc))
