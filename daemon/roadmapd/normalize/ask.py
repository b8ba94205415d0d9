"""Ask the model to normalise a roadmap: one `agent.completion` (the one request path: faults,
backoff, pricing, redaction; no tools), checked by `answer.check`, asked again once with the
problems when the answer is not usable, then given up with a readable reason.

`settings_for` is the one place that says which model, endpoint and limits the role
`normalize` uses (the top-level `model`, `base_url` and `max_tokens` for now).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from roadmapd.agent.events import AgentEvent, Usage
from roadmapd.normalize.answer import MAX_SHOWN, SYSTEM, check, extract, prompt, retry_prompt
from roadmapd.roadmap import Roadmap, parse

if TYPE_CHECKING:
    from roadmapd.agent.settings import AgentSettings
    from roadmapd.config import Config

EventSink = Callable[[AgentEvent], None]
ASKS = 2  # the first answer and one retry


class NormalizeError(Exception):
    """The model gave no usable task list; the message says why, for the user as it is."""


@dataclass(frozen=True)
class Normalized:
    """The converted document (the answer's own line endings), its parse, what it cost."""

    text: str
    roadmap: Roadmap
    usage: Usage
    asks: int


def settings_for(config: Config) -> AgentSettings:
    """The agent settings of the role `normalize`."""
    from roadmapd.role_settings import agent_settings

    return agent_settings(config, "normalize")


def _ignore(event: AgentEvent) -> None:
    pass


async def normalize(
    settings: AgentSettings, original: str, on_event: EventSink = _ignore
) -> Normalized:
    """The task list the model makes of `original`; NormalizeError when there is none."""
    from roadmapd.agent.completion import complete  # here: the SDK loads when it is asked

    before = parse(original)
    usage = Usage()
    user = prompt(original)
    problems: list[str] = []
    for ask in range(1, ASKS + 1):
        answer = await complete(settings, system=SYSTEM, prompt=user, on_event=on_event)
        usage = usage + answer.finished.usage
        if answer.failed:
            raise NormalizeError(f"the model request failed: {answer.finished.reason}")
        if answer.finished.outcome == "max_tokens":
            raise NormalizeError(
                f"the answer was cut off at max_tokens ({settings.max_tokens}); "
                "raise max_tokens or normalise the roadmap in parts"
            )
        text = extract(answer.text)
        result, problems = check(before, text)
        if not problems:
            return Normalized(text, result, usage, ask)
        user = retry_prompt(original, answer.text, problems)
    shown = "\n  ".join(problems[:MAX_SHOWN])
    more = f"\n  ... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
    raise NormalizeError(
        f"the model's task list is still unusable after {ASKS} answers; nothing was changed:"
        f"\n  {shown}{more}"
    )
