"""`roadmapd answer TASK ["ANSWER"]`: continue a task that stopped on the agent's question.

A headless run (no terminal) ends a task whose agent asked the user something `needs_input`
and keeps the question with the conversation (`store/questions.py`). This command runs that
task again in the same conversation, from its checkpoint, with the answer as the result of the
agent's `ask_user` call; everything else is `roadmapd run`'s (checks, evidence, commit, tick,
exit codes). Without ANSWER, a terminal is asked (the choices numbered); a choice's number
picks it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from roadmapd.console.approval import ConsoleApproval
from roadmapd.console.common import CommandError, find_task_anywhere, open_workspace
from roadmapd.console.run import ready_to_run, run_tasks
from roadmapd.engine.answer import Answer
from roadmapd.statuses import TaskStatus
from roadmapd.store.questions import SavedQuestion, load_question
from roadmapd.store.state import StateStore


def answer_command(
    task_id: str, text: str | None, roadmap: str | None, *, as_json: bool, yes: bool
) -> int:
    ws = open_workspace(Path.cwd(), {})
    try:
        project = find_task_anywhere(ws, task_id, roadmap)
        saved = _saved_question(ws.store, task_id)
        answer = _answer_of(saved, text)
    except CommandError:
        ws.close()
        raise
    task = project.task(task_id)
    ready_to_run(project)
    summary = run_tasks(
        project,
        [task],
        keep_going=False,
        as_json=as_json,
        yes=yes,
        answers={task_id: Answer(answer, saved.conversation)},
    )
    return summary.exit_code


def _saved_question(store: StateStore, task_id: str) -> SavedQuestion:
    status = store.status_of(task_id)
    if status is not TaskStatus.NEEDS_INPUT:
        now = status.value if status is not None else "never run"
        raise CommandError(
            f"{task_id} is {now}: it has no question to answer (roadmapd run {task_id} runs it)"
        )
    saved = load_question(store.paths, task_id)
    if saved is None:
        raise CommandError(
            f"the saved conversation of {task_id} is missing or unreadable: "
            f"roadmapd run {task_id} starts the task over"
        )
    return saved


def _answer_of(saved: SavedQuestion, text: str | None) -> str:
    """The answer given, or typed at the terminal (a number picks a choice)."""
    if text is not None:
        given = text.strip()
        if given.isdigit() and 1 <= int(given) <= len(saved.choices):
            return saved.choices[int(given) - 1]
        if not given:
            raise CommandError("the answer is empty")
        return given
    if not sys.stdin.isatty():
        listed = f" (choices: {' | '.join(saved.choices)})" if saved.choices else ""
        raise CommandError(
            f'give the answer: roadmapd answer {saved.task_id} "…" — the question: '
            f"{saved.question}{listed}"
        )
    gate = ConsoleApproval(yes=False, interactive=True, out=sys.stderr)
    typed = asyncio.run(gate.ask_user(saved.task_id, saved.question, saved.choices))
    if typed is None:
        raise CommandError("no answer given: the task still waits for one")
    return typed
