"""Which shell commands of the agent are risky, and the gate that asks before they run.

A command is risky when one of the configured regexes (`risky_commands`: network, package
installs, `sudo` by default) is found in it, or when it removes recursively (`rm -r`, `rm -rf`)
anything that is not inside one of the workspace's build directories. Pure: no I/O; the
question itself goes to an `ask` callable the face provides (the CLI's prompt, the editor).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import PurePosixPath
from typing import Literal

CommandApproval = Literal["once", "task", "deny"]
# (task id, command, why it is risky): the task id says which agent asks (tasks run in parallel)
Ask = Callable[[str, str, str], Awaitable[CommandApproval]]
ApproveCommand = Callable[[str], Awaitable[CommandApproval]]

BUILD_DIRS = frozenset(
    {
        "build",
        "dist",
        "out",
        "target",
        "node_modules",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".cache",
        "htmlcov",
        "coverage",
    }
)
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")"})


class RiskyCommands:
    def __init__(self, patterns: Iterable[str], build_dirs: Iterable[str] = BUILD_DIRS) -> None:
        self.patterns = [re.compile(p) for p in patterns]
        self.build_dirs = frozenset(build_dirs)

    def why(self, command: str) -> str | None:
        """The reason `command` needs approval, or None when it may run."""
        for pattern in self.patterns:
            if pattern.search(command):
                return f"it matches the risky pattern {pattern.pattern!r}"
        target = self._removed_outside_build_dirs(command)
        if target is not None:
            return f"it removes {target!r}, which is not inside a build directory"
        return None

    def _removed_outside_build_dirs(self, command: str) -> str | None:
        try:
            lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words = list(lexer)
        except ValueError:
            return command if re.search(r"\brm\b", command) else None
        for part in _commands(words):
            if not part or PurePosixPath(part[0]).name != "rm":
                continue
            flags = [w for w in part[1:] if w.startswith("-")]
            recursive = any(
                f in ("--recursive", "-r", "-R") or (not f.startswith("--") and "r" in f.lower())
                for f in flags
            )
            if not recursive:
                continue
            for target in (w for w in part[1:] if not w.startswith("-")):
                if not self._inside_build_dir(target):
                    return target
        return None

    def _inside_build_dir(self, target: str) -> bool:
        if target.startswith(("/", "~", "$")) or any(c in target for c in "*?[`"):
            return False
        parts = PurePosixPath(target).parts
        if ".." in parts:
            return False
        inside = [p for p in parts if p != "."]
        return any(p in self.build_dirs for p in inside[:-1]) or (
            bool(inside) and inside[-1] in self.build_dirs
        )


def _commands(words: Sequence[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS or set(word) <= set(";&|()"):
            parts.append([])
        else:
            parts[-1].append(word)
    return parts


class CommandGate:
    """The agents' `approve_command` hook: safe commands pass, risky ones are asked about."""

    def __init__(self, risky: RiskyCommands, ask: Ask) -> None:
        self.risky, self._ask = risky, ask

    def for_task(self, task_id: str) -> ApproveCommand:
        """The hook of one task's agent: its questions name the task."""

        async def approve(command: str) -> CommandApproval:
            why = self.risky.why(command)
            if why is None:
                return "once"
            return await self._ask(task_id, command, why)

        return approve
