"""The system prompt and the task prompt the agent starts from.

`task_prompt` reads a task through the `TaskLike` protocol (the attributes of
`roadmapd.roadmap.Task`), so the agent does not import the parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class TaskLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> tuple[str, ...]: ...
    @property
    def files(self) -> tuple[str, ...]: ...
    @property
    def depends(self) -> tuple[str, ...]: ...
    @property
    def acceptance(self) -> tuple[str, ...]: ...
    @property
    def verify(self) -> tuple[str, ...]: ...
    @property
    def headings(self) -> tuple[str, ...]: ...


def system_prompt(workspace: Path) -> str:
    return f"""You are a careful software engineer working in the repository at {workspace}.
You work on exactly one task from the project's roadmap, using two tools: \
str_replace_based_edit_tool to view and edit files, and bash to run commands. \
Paths are relative to the workspace root; nothing outside the workspace and nothing in .git/ \
is reachable. Every bash command starts a fresh shell in the workspace root, with a timeout, \
no network and no interactive input.

Rules:
- Do this task and nothing else. Keep the change minimal; do not refactor unrelated code.
- Look before you edit: view the files you change. Run the relevant tests yourself while you work.
- Do not commit, branch, stash or otherwise change git state: the daemon commits your work.
- Do not edit the task's checkbox in the roadmap file: the daemon ticks it.
- When you are done, stop and summarise in two or three sentences what you changed. After you \
stop, the daemon runs the project's checks itself (tests, lint, types); your own claims about \
passing checks do not count, only the checks do. If they fail, you get the failures back.
"""


def _section(title: str, lines: tuple[str, ...]) -> str:
    return f"\n{title}:\n" + "\n".join(f"- {line}" for line in lines) if lines else ""


#: Put before the next task's prompt when a batch continues a conversation (`batch_size` > 1).
NEXT_TASK_LEAD = (
    "The daemon verified and committed the previous task. A new task follows; the files are as "
    "the previous task left them.\n\n"
)


#: Kiro's `[-]`: its own agent refused such tasks as "already started".
MARKED_IN_PROGRESS = (
    "(The task list marks this task as in progress: the user marked it so that it is done now. "
    "It is not finished and nobody else works on it; do the whole task.)"
)


def task_prompt(task: TaskLike, *, memory: str = "", in_progress: bool = False) -> str:
    where = " > ".join(task.headings)
    parts = [f"Task {task.id}: {task.title}"]
    if where:
        parts.append(f"(in the roadmap under: {where})")
    if in_progress:
        parts.append(MARKED_IN_PROGRESS)
    if task.body:
        parts.append("\n" + "\n".join(task.body))
    parts.append(_section("Files to look at first", task.files))
    parts.append(_section("Already done by earlier tasks", task.depends))
    parts.append(_section("Acceptance criteria", task.acceptance))
    parts.append(_section("The daemon will verify with", task.verify))
    if memory.strip():
        parts.append(f"\nProject notes (from earlier tasks):\n{memory.strip()}")
    parts.append("\nDo this task now. Stop when it is done; the daemon will run the checks.")
    return "\n".join(p for p in parts if p)
