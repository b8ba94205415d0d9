"""The `ask_user` tool: the agent asks the person running it a question (optionally with
choices) when the task is ambiguous. Its declaration, the validation of a call's input, and the
tool result the answer becomes. The question goes to an `AskUser` callable the face provides
(a prompt at the CLI's terminal, the editor), or, headless, to nobody now (`ASK_LATER`): the
conversation then stops with the question pending (`PendingQuestion`), is saved, and a later
answer (`roadmapd answer`, the editor's "Answer…") continues it. Without either the tool is not
declared at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from roadmapd.agent.confinement import ToolError

ASK_USER = "ask_user"
MAX_QUESTION = 2000
MAX_CHOICES = 8
MAX_CHOICE = 200
NO_ANSWER = (
    "The user gave no answer. Decide yourself, and say in your final message what you assumed."
)

#: (question, choices) -> the answer, or None when the person dismissed the question.
AskUser = Callable[[str, tuple[str, ...]], Awaitable[str | None]]
#: The face's asker for every task: (task id, question, choices); tasks may run in parallel.
AskFor = Callable[[str, str, tuple[str, ...]], Awaitable[str | None]]


class AskLater:
    """Headless: nobody can answer now; a question ends the conversation with it pending."""

    def __repr__(self) -> str:
        return "ASK_LATER"


ASK_LATER = AskLater()


def asker_of(ask: AskFor | AskLater, task_id: str) -> AskUser | AskLater:
    """The `AskUser` of one task's agent: its questions name the task."""
    if isinstance(ask, AskLater):
        return ask

    async def ask_user(question: str, choices: tuple[str, ...]) -> str | None:
        return await ask(task_id, question, choices)

    return ask_user


ASK_USER_TOOL: dict[str, Any] = {
    "name": ASK_USER,
    "description": (
        "Ask the user one question when the task is ambiguous and a wrong guess would waste "
        "the work (not for things you can find out from the files). Give choices when the "
        "answer is one of a few options. The user's answer comes back as the result."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "question": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_CHOICES},
        },
        "required": ["question"],
    },
}


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingQuestion:
    """A question asked headless: the `ask_user` call waiting for its result."""

    tool_use_id: str
    question: Question

    def to_json(self) -> dict[str, Any]:
        q = self.question
        return {"tool_use_id": self.tool_use_id, "text": q.text, "choices": list(q.choices)}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> PendingQuestion:
        choices = tuple(str(c) for c in doc.get("choices") or ())
        return cls(str(doc["tool_use_id"]), Question(str(doc["text"]), choices))


def describe(question: Question) -> str:
    """One line: the question and its choices."""
    listed = f" [choices: {' | '.join(question.choices)}]" if question.choices else ""
    return f"{question.text}{listed}"


def parse_question(tool_input: object) -> Question:
    """The question of an `ask_user` call; ToolError saying what is wrong with it."""
    if not isinstance(tool_input, dict):
        raise ToolError(f"{ASK_USER}: input must be a JSON object")
    text = tool_input.get("question")
    if not isinstance(text, str) or not text.strip():
        raise ToolError(f"{ASK_USER}: 'question' must be a non-empty string")
    if len(text) > MAX_QUESTION:
        raise ToolError(f"{ASK_USER}: the question is longer than {MAX_QUESTION} characters")
    raw = tool_input.get("choices") or []
    if not isinstance(raw, list) or not all(isinstance(c, str) and c.strip() for c in raw):
        raise ToolError(f"{ASK_USER}: 'choices' must be a list of non-empty strings")
    choices = tuple(dict.fromkeys(" ".join(c.split()) for c in raw))
    if len(choices) > MAX_CHOICES or any(len(c) > MAX_CHOICE for c in choices):
        raise ToolError(
            f"{ASK_USER}: at most {MAX_CHOICES} choices of at most {MAX_CHOICE} characters"
        )
    return Question(text.strip(), choices)


def answer_result(answer: str | None) -> str:
    """What the model reads as the tool's result."""
    if answer is None or not answer.strip():
        return NO_ANSWER
    return f"The user answered: {answer.strip()}"
