"""The bubblewrap sandbox around the agent's shell commands, and what to do when there is none.

Inside the sandbox the workspace is writable (its `.git/` read-only), the rest of the file system
is read-only, `/tmp` is private, there is no network unless allowed, and every process dies with
the sandbox (own PID namespace, `--die-with-parent`, `--new-session`). Whether `bwrap` works is
probed once per process by running it; mode "auto" falls back to an unsandboxed shell with a
warning, "require" refuses to run commands without it, "off" never uses it.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

from roadmapd.agent.settings import SandboxMode

_PROBE_VARIANTS: tuple[tuple[str, ...], ...] = ((), ("--unshare-user",))
_probed: dict[str, tuple[str, ...] | None] = {}


@dataclass(frozen=True, slots=True)
class Sandbox:
    mode: SandboxMode
    bwrap: str | None  # a bwrap binary that was seen to work, or None
    extra_flags: tuple[str, ...] = ()  # e.g. --unshare-user where it is needed
    allow_network: bool = False

    @property
    def active(self) -> bool:
        return self.mode != "off" and self.bwrap is not None

    @property
    def refusal(self) -> str | None:
        """Why commands must not run at all (mode "require" without a working bwrap)."""
        if self.mode == "require" and self.bwrap is None:
            return (
                'sandbox = "require" but bubblewrap (bwrap) is not available or does not work '
                "here, so shell commands are refused (install it: apt-get install bubblewrap)"
            )
        return None

    @property
    def warning(self) -> str | None:
        """What the user should be told about running without a sandbox, if anything."""
        if self.mode == "auto" and self.bwrap is None:
            return (
                "bubblewrap (bwrap) is not available or does not work here: the agent's shell "
                "commands run unsandboxed (confined only by working directory, timeout and a "
                'scrubbed environment). Install bubblewrap, or set sandbox = "require" to refuse.'
            )
        return None

    def wrap(self, argv: list[str], workspace: Path) -> list[str]:
        """`argv` as it must be executed: inside bwrap when active, unchanged otherwise."""
        if not self.active or self.bwrap is None:
            return argv
        root = str(workspace.resolve())
        flags = [self.bwrap, *self.extra_flags, "--ro-bind", "/", "/", "--dev", "/dev"]
        flags += ["--proc", "/proc", "--tmpfs", "/tmp", "--bind", root, root]
        git = workspace.resolve() / ".git"
        if git.exists():
            flags += ["--ro-bind", str(git), str(git)]
        if not self.allow_network:
            flags.append("--unshare-net")
        flags += ["--unshare-pid", "--die-with-parent", "--new-session", "--chdir", root]
        return [*flags, "--", *argv]


async def _works(bwrap: str, extra: tuple[str, ...]) -> bool:
    argv = [bwrap, *extra, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    argv += ["--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "true"]
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return False
    return await proc.wait() == 0


async def probe_bwrap(bwrap: str | None) -> tuple[str, ...] | None:
    """The extra flags with which `bwrap` works here, or None if it does not (cached)."""
    if bwrap is None:
        return None
    if bwrap not in _probed:
        found: tuple[str, ...] | None = None
        for extra in _PROBE_VARIANTS:
            if await _works(bwrap, extra):
                found = extra
                break
        _probed[bwrap] = found
    return _probed[bwrap]


async def make_sandbox(
    mode: SandboxMode, *, allow_network: bool = False, bwrap: str | None = "detect"
) -> Sandbox:
    """The sandbox for `mode`; `bwrap` is a binary path, None for none, "detect" to use PATH."""
    if mode == "off":
        return Sandbox(mode, None, (), allow_network)
    binary = shutil.which("bwrap") if bwrap == "detect" else bwrap
    extra = await probe_bwrap(binary)
    if extra is None:
        return Sandbox(mode, None, (), allow_network)
    return Sandbox(mode, binary, extra, allow_network)
