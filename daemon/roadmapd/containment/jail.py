"""The bubblewrap jail around everything the agent can influence: its shell, the checks, hooks.

Inside the jail the workspace is writable and everything else is read-only: its `.git` (and so
every git dir outside it) cannot be written, `/tmp` is private, `/home`, `/root` and `/run/user`
are empty (the toolchains that `PATH` names there are bound back read-only, with the folders
the user lists in `sandbox_binds`), there is no network unless `allow_network`, and the jail has
its own PID namespace (no `/proc` of the daemon); every process in it dies when the command ends
(`--die-with-parent`, `--new-session`, PID 1 of the namespace). The environment is the allowlist
of `containment.env` with `HOME` pointing at the empty home. Resource limits (processes, address
space, size of a file written) are set with `prlimit` around the jailed command.

Whether `bwrap` works is probed once per process by running it. Without a working bwrap the
mode decides: "off" runs unjailed (said every run), anything else refuses to run a task.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from roadmapd.containment.env import child_env

SandboxMode = Literal["auto", "require", "off"]
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    'bubblewrap; Arch: pacman -S bubblewrap), or run unsandboxed with sandbox = "off" in '
    "roadmapd.toml (the agent's commands and your checks then run with your rights)"
)
UNSANDBOXED = 'unsandboxed: sandbox = "off", the agent\'s commands run with your rights'
_HIDDEN_ROOTS = ("/home", "/root", "/run/user")
_MB = 1024 * 1024

_PROBE_VARIANTS: tuple[tuple[str, ...], ...] = ((), ("--unshare-user",))
_probed: dict[str, tuple[str, ...] | None] = {}


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-command limits; 0 means no limit. `processes` counts on top of what the user runs."""

    processes: int = 512
    memory_mb: int = 8192
    file_mb: int = 1024

    def prlimit(self, binary: str | None) -> list[str]:
        if binary is None:
            return []
        flags = []
        if self.processes:
            flags.append(f"--nproc={_user_processes() + self.processes}")
        if self.memory_mb:
            flags.append(f"--as={self.memory_mb * _MB}")
        if self.file_mb:
            flags.append(f"--fsize={self.file_mb * _MB}")
        return [binary, *flags, "--"] if flags else []


@dataclass(frozen=True, slots=True)
class JailSettings:
    mode: SandboxMode = "auto"
    allow_network: bool = False
    limits: Limits = field(default_factory=Limits)
    binds: tuple[str, ...] = ()  # folders under a hidden root to bind back read-only
    pass_env: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sandbox:
    settings: JailSettings
    bwrap: str | None  # a bwrap binary that was seen to work, or None
    extra_flags: tuple[str, ...] = ()  # e.g. --unshare-user where it is needed
    prlimit: str | None = field(default_factory=lambda: shutil.which("prlimit"))

    @property
    def mode(self) -> SandboxMode:
        return self.settings.mode

    @property
    def allow_network(self) -> bool:
        return self.settings.allow_network

    @property
    def active(self) -> bool:
        return self.mode != "off" and self.bwrap is not None

    @property
    def refusal(self) -> str | None:
        """Why no task may run: a sandbox was not turned off, and there is none."""
        if self.mode != "off" and self.bwrap is None:
            return f"no sandbox: bubblewrap (bwrap) is missing or does not work; {INSTALL_HINT}"
        return None

    @property
    def warning(self) -> str | None:
        """What the user is told every run when the sandbox is off."""
        return UNSANDBOXED if self.mode == "off" else None

    def home(self) -> str:
        """HOME inside the jail: the daemon's home path, empty there; a private dir when off."""
        if self.active:
            return os.path.expanduser("~")
        return str(Path(os.environ.get("TMPDIR", "/tmp")) / "roadmapd-empty-home")

    def env(self) -> dict[str, str]:
        home = self.home()
        if not self.active:
            os.makedirs(home, mode=0o700, exist_ok=True)
        return child_env(home=home, pass_env=self.settings.pass_env)

    def wrap(
        self,
        argv: list[str],
        workspace: Path,
        *,
        writable: Sequence[Path] = (),
        readonly: Sequence[Path] = (),
    ) -> list[str]:
        """`argv` as it must run: limited always, inside bwrap when active. `readonly` folders
        are shown read-only even where a hidden root covers them (e.g. the real workspace of an
        evidence run in a temporary copy)."""
        limited = [*self.settings.limits.prlimit(self.prlimit), *argv]
        if not self.active or self.bwrap is None:
            return limited
        root = workspace.resolve()
        flags = [self.bwrap, *self.extra_flags, "--ro-bind", "/", "/", "--dev", "/dev"]
        flags += ["--proc", "/proc", "--tmpfs", "/tmp"]
        for hidden in (*_HIDDEN_ROOTS, os.path.expanduser("~")):
            if os.path.isdir(hidden):
                flags += ["--tmpfs", hidden]
        flags += ["--dir", self.home()]
        for kept in [*_toolchain_dirs(root, self.settings.binds), *readonly]:
            flags += ["--ro-bind", str(kept), str(kept)]
        flags += ["--bind", str(root), str(root)]
        for path in writable:
            flags += ["--bind", str(path), str(path)]
        git = root / ".git"
        if git.exists():
            flags += ["--ro-bind", str(git), str(git)]
        if not self.allow_network:
            flags.append("--unshare-net")
        flags += ["--unshare-pid", "--die-with-parent", "--new-session", "--chdir", str(root)]
        return [*flags, "--", *limited]


def _hidden_top(path: Path) -> Path | None:
    """The folder to bind back for `path` where the jail hides it: ~/.pyenv for ~/.pyenv/shims;
    under the private /tmp, the environment itself (/tmp/x/.venv for /tmp/x/.venv/bin)."""
    home = Path(os.path.expanduser("~"))
    for base in (home, *map(Path, _HIDDEN_ROOTS)):
        if path.is_relative_to(base) and path != base:
            return base / path.relative_to(base).parts[0]
    if path.is_relative_to("/tmp") and path != Path("/tmp"):
        return path.parent if path.name == "bin" else path
    return None


def _environment(path: Path) -> Path:
    """The environment of a PATH folder or an interpreter: `x` for `x/bin` and `x/bin/python`."""
    folder = path.parent if path.is_file() else path
    return folder.parent if folder.name == "bin" else folder


def _bound_back(path: Path, root: Path) -> Path | None:
    """What to bind back for `path` (None: nothing). Its top folder under a hidden root, or the
    environment itself when that top folder also holds the workspace (a venv in ~/work next to
    the workspace ~/work/project): never a folder that holds the workspace or is inside it."""
    top = _hidden_top(path)
    if top is not None and root.is_relative_to(top):
        top = _environment(path)
    if top is None or root.is_relative_to(top) or top.is_relative_to(root):
        return None
    return top


def _toolchain_dirs(root: Path, binds: Iterable[str]) -> list[Path]:
    """Folders under a hidden root to bind back: where PATH's programs and interpreters live."""
    seen: dict[Path, None] = {}
    dirs = [Path(p) for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p]
    dirs += [root / ".venv" / "bin", root / "venv" / "bin"]
    candidates: list[Path] = []
    for folder in dirs:
        candidates.append(folder)
        for name in ("python", "python3", "node"):
            exe = folder / name
            if exe.exists():
                candidates.append(exe.resolve())
    for path in candidates:
        try:
            real = path.resolve()
        except OSError:
            continue
        for top in (_bound_back(path, root), _bound_back(real, root)):
            if top is not None and top.exists():
                seen[top] = None
    for extra in binds:
        path = Path(os.path.expanduser(extra)).resolve()
        if path.exists():
            seen[path] = None
    return list(seen)


def _user_processes() -> int:
    """How many processes this user runs now (RLIMIT_NPROC counts them all)."""
    uid = os.getuid()
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


def _probe_argv(bwrap: str, extra: tuple[str, ...]) -> list[str]:
    mounts = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    spaces = ["--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"]
    return [bwrap, *extra, *mounts, *spaces, "true"]


async def _works(bwrap: str, extra: tuple[str, ...]) -> bool:
    argv = _probe_argv(bwrap, extra)
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


async def make_sandbox(settings: JailSettings, *, bwrap: str | None = "detect") -> Sandbox:
    """The jail for `settings`; `bwrap` is a binary path, None for none, "detect" to use PATH."""
    if settings.mode == "off":
        return Sandbox(settings, None)
    binary = shutil.which("bwrap") if bwrap == "detect" else bwrap
    extra = await probe_bwrap(binary)
    if extra is None:
        return Sandbox(settings, None)
    return Sandbox(settings, binary, extra)


def kill_jailed(argv: Sequence[str]) -> None:
    """Kill what is left of a jailed command after its bwrap was killed.

    A bwrap killed while it is still setting up can leave its child (PID 1 of the jail's
    namespace, which carries the same command line) without the die-with-parent signal. Killing
    that process ends everything in the namespace.
    """
    wanted = ("\0".join(argv) + "\0").encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                if fh.read() == wanted:
                    os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def hook_jail(
    settings: JailSettings, root: Path
) -> Callable[[list[str], Sequence[Path]], list[str]]:
    """A sync wrapper for the git hooks the daemon runs (in a worker thread): the same jail as
    the checks. Probes bwrap on first use; without one (and the sandbox not turned off) a hook
    cannot run, which refuses the commit with that reason."""
    found: list[Sandbox] = []

    def wrap(argv: list[str], writable: Sequence[Path]) -> list[str]:
        if not found:
            found.append(_sandbox_now(settings))
        sandbox = found[0]
        if (refusal := sandbox.refusal) is not None:
            raise OSError(refusal)
        return sandbox.wrap(argv, root, writable=writable)

    return wrap


def _sandbox_now(settings: JailSettings) -> Sandbox:
    """`make_sandbox` for a thread without an event loop (the probe is cached per binary)."""
    if settings.mode == "off":
        return Sandbox(settings, None)
    binary = shutil.which("bwrap")
    if binary is None:
        return Sandbox(settings, None)
    if binary not in _probed:
        _probed[binary] = None
        for extra in _PROBE_VARIANTS:
            done = subprocess.run(_probe_argv(binary, extra), capture_output=True, check=False)
            if done.returncode == 0:
                _probed[binary] = extra
                break
    extra_flags = _probed[binary]
    return (
        Sandbox(settings, None) if extra_flags is None else Sandbox(settings, binary, extra_flags)
    )
