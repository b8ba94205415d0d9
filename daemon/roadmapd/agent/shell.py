"""The shell half of the tools: one `bash -c` per command, in the workspace, bounded in every way.

Each command runs in a fresh shell whose working directory is the workspace root (so `cd` does not
carry over to the next command), with stdin closed, the allowlisted environment, its own process
group (`start_new_session=True`), the resource limits and the bubblewrap jail (`containment`).
On timeout, on cancellation and when the command returns, the whole process group is killed,
so nothing the agent started keeps running. Output (stdout and stderr merged) is kept in
bounded memory and cut in the middle when long.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from roadmapd.agent.output import TailBuffer, truncate
from roadmapd.containment.jail import Sandbox, kill_jailed

_CHUNK = 65536
_MARKER_ROOM = 120  # room for the cut marker, so the final truncate leaves it intact
_DRAIN_GRACE_S = 2.0
_QUIET_ENV = {"PAGER": "cat", "GIT_PAGER": "cat", "TERM": "dumb", "CI": "1"}


@dataclass(frozen=True, slots=True)
class ShellResult:
    output: str
    exit_code: int | None  # None when the command timed out
    timed_out: bool = False


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _drain(stream: asyncio.StreamReader, buffer: TailBuffer) -> None:
    while chunk := await stream.read(_CHUNK):
        buffer.feed(chunk)


class Shell:
    def __init__(self, root: Path, sandbox: Sandbox, *, timeout_s: float, max_chars: int) -> None:
        self.root = root.resolve()
        self.sandbox = sandbox
        self.timeout_s = timeout_s
        self.max_chars = max_chars

    async def run(self, command: str) -> ShellResult:
        argv = self.sandbox.wrap(["bash", "-c", command], self.root)
        env = {**self.sandbox.env(), **_QUIET_ENV}
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=self.root,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        assert proc.stdout is not None
        buffer = TailBuffer(max(self.max_chars - _MARKER_ROOM, 2) // 2)
        reader = asyncio.create_task(_drain(proc.stdout, buffer))
        timed_out = False
        try:
            async with asyncio.timeout(self.timeout_s):
                await proc.wait()
        except TimeoutError:
            timed_out = True
        finally:
            _kill_group(proc.pid)
            if self.sandbox.active:
                kill_jailed(argv)
            await self._finish(proc, reader)
            if self.sandbox.active:  # bwrap is reaped now: a child it made while dying exists
                kill_jailed(argv)
        text = truncate(buffer.text(), self.max_chars)
        if timed_out:
            note = f"[command timed out after {self.timeout_s:g} s and was killed]"
            return ShellResult(f"{text}\n{note}" if text else note, None, True)
        return ShellResult(text, proc.returncode)

    async def _finish(self, proc: asyncio.subprocess.Process, reader: asyncio.Task[None]) -> None:
        """Reap the process and stop reading, even while this task is being cancelled."""
        done, _ = await asyncio.shield(asyncio.wait({reader}, timeout=_DRAIN_GRACE_S))
        if not done:
            reader.cancel()
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.shield(proc.wait())
