"""The review gate, risky-command questions and the agent's own questions (`ask_user`) at the
terminal (`roadmapd run`).

`--yes` approves everything. Without it, the question is asked on the terminal; when stdin is
not a terminal nobody can answer, so the task is rejected (its changes undone) and a risky
command is denied, each with a message that says how to allow it. One question at a time,
even when tasks run in parallel. The agent's questions are only asked at a terminal (`--yes`
answers none of them); without one the agent gets no `ask_user` tool at all.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from roadmapd.engine.commands import CommandApproval
from roadmapd.roadmap import Task

MAX_DIFF_LINES = 60


class ConsoleApproval:
    """An `ApprovalPort` and an `ask_command` for the engine, answered at the terminal."""

    def __init__(
        self,
        *,
        yes: bool,
        interactive: bool,
        out: TextIO,
        before_prompt: Callable[[], None] = lambda: None,
        read_line: Callable[[], str] = sys.stdin.readline,
    ) -> None:
        self.yes, self.interactive, self.out = yes, interactive, out
        self._before_prompt, self._read_line = before_prompt, read_line
        self._one_at_a_time = asyncio.Lock()

    async def approve(self, task: Task, diff_summary: str, *, concerns: str = "") -> bool:
        if concerns:
            return await self._approve_anyway(task, diff_summary, concerns)
        if self.yes:
            return True
        if not self.interactive:
            self._say(
                f"roadmapd: {task.id} passed its checks and needs approval before its commit, "
                "but stdin is not a terminal: rejected, its changes are undone "
                '(run with --yes to approve, or set approval = "none")'
            )
            return False
        lines = diff_summary.splitlines()
        shown = "\n".join(lines[:MAX_DIFF_LINES])
        more = (
            f"\n... ({len(lines) - MAX_DIFF_LINES} more lines)"
            if len(lines) > MAX_DIFF_LINES
            else ""
        )
        question = (
            f"\n{task.id} passed its checks. Its changes:\n{shown}{more}\nCommit {task.id}? [y/N] "
        )
        answer = await self._ask(question)
        return answer in ("y", "yes")

    @property
    def asks_a_person(self) -> bool:
        """Without a terminal nobody can approve an attempt anyway: the engine then fails it
        and leaves the tree as the agent left it."""
        return self.interactive

    async def _approve_anyway(self, task: Task, diff_summary: str, concerns: str) -> bool:
        """Only a person at the terminal approves this; `--yes` does not (use the --allow-*
        flags to approve it in advance)."""
        if not self.interactive:
            self._say(
                f"roadmapd: {task.id} passed its checks but {concerns}. Not committed: rerun "
                "with --allow-weaken or --allow-large to approve it, or run it at a terminal"
            )
            return False
        shown = "\n".join(diff_summary.splitlines()[:MAX_DIFF_LINES])
        question = (
            f"\n{task.id} passed its checks, but {concerns}.\nIts changes:\n{shown}\n"
            f"Commit {task.id} anyway? [y/N] "
        )
        return await self._ask(question) in ("y", "yes")

    async def ask_command(self, task_id: str, command: str, why: str) -> CommandApproval:
        if self.yes:
            return "once"
        if not self.interactive:
            self._say(
                f"roadmapd: {task_id}'s agent wanted to run {command!r} ({why}); stdin is not a "
                "terminal, so it was not allowed (run with --yes to allow risky commands)"
            )
            return "deny"
        question = (
            f"\nThe agent of {task_id} wants to run:\n  $ {command}\n({why})\n"
            "Allow? [o]nce, for this [t]ask, [N]o: "
        )
        answer = await self._ask(question)
        if answer in ("o", "once", "y", "yes"):
            return "once"
        if answer in ("t", "task"):
            return "task"
        return "deny"

    async def ask_user(self, task_id: str, question: str, choices: tuple[str, ...]) -> str | None:
        """The agent's question with its numbered choices; a number picks that choice, anything
        else is the answer in the person's words, an empty line no answer (None)."""
        listed = "".join(f"\n  {n}) {choice}" for n, choice in enumerate(choices, 1))
        how = "a number or your own words" if choices else "your answer"
        answer = await self._read(
            f"\nThe agent of {task_id} asks:\n  {question}{listed}\n({how}; empty: no answer) > "
        )
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            return choices[int(answer) - 1]
        return answer or None

    async def _ask(self, question: str) -> str:
        return (await self._read(question)).lower()

    async def _read(self, question: str) -> str:
        async with self._one_at_a_time:
            self._before_prompt()
            self.out.write(question)
            self.out.flush()
            line = await asyncio.to_thread(self._read_line)
        return line.strip()

    def _say(self, message: str) -> None:
        self._before_prompt()
        self.out.write(message + "\n")
        self.out.flush()
