"""The one door through which roadmapd starts git, and the environment of the hooks it runs.

The daemon's git runs outside the agent's jail, with the daemon's rights, on a working tree the
agent wrote. So every git process (`Plumbing`, lanes, finding the repository) goes through
`run_git`, which never passes on the daemon's environment or lets the repository choose a
command:

- **Executable**: `git` from `PATH` without the entries inside the working tree and the relative
  ones (a `git` the agent wrote into `.venv/bin` of a project whose venv was active when the
  daemon started is never run).
- **Environment**, built from nothing: `containment.env.child_env` (an allowlist; never the API
  key), with `PATH` filtered as above and `HOME` from `git_home`, plus the user's own identity
  and config-location variables (`USER_GIT_VARS`), plus what the caller sets (`GIT_DIR`,
  `GIT_INDEX_FILE`, ...). stdin is `/dev/null` unless the caller feeds it.
- **Config on the command line** (`HARDENING`, `-c` before the command): no fsmonitor, no hooks
  (`core.hooksPath=/dev/null`: no file can ever be in it), no external diff, no pager, no
  submodule recursion, no untracked cache, no signature display, no auto gc. Git hands `-c`
  settings on to every git it starts (`GIT_CONFIG_PARAMETERS`), nested repositories included.
  Commands that diff add `--no-ext-diff --no-textconv` themselves.

What `-c` cannot cover: a nested repository's own clean filter runs when git looks into it
(`git add` on a gitlink runs `git status` there). The snapshot code never lets git look into a
nested repository at all (see `snapshot.py`).

`HOME` is the user's real home, for git: git reads `~/.gitconfig` (identity, `core.excludesFile`
and other user settings) and `~/.config/git/{config,ignore,attributes}`, and expands `~/` in
config values. An empty home would silently change what a snapshot holds (globally ignored files
would be captured and committed). The home is not the agent's: its jail has an empty one. When
the working tree contains the home (a repository at `~`), the agent could write
`~/.gitconfig`, so git gets a private empty home then (identity from `GIT_AUTHOR_*` only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from roadmapd.containment.env import child_env

from .outcomes import VcsError

HARDENING: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.untrackedCache", "false"),
    ("core.pager", "cat"),
    ("diff.external", ""),
    ("submodule.recurse", "false"),
    ("status.submoduleSummary", "false"),
    ("log.showSignature", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)

#: The user's own git settings in the daemon's environment (the agent cannot set these): who
#: commits, and where the user's configuration lives.
IDENTITY_VARS = (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "EMAIL",
    "GIT_CONFIG_NOSYSTEM",
)
CONFIG_PATH_VARS = ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "XDG_CONFIG_HOME", "GNUPGHOME")
USER_GIT_VARS = IDENTITY_VARS + CONFIG_PATH_VARS


def _inside(path: str | Path, root: Path) -> bool:
    """Whether `path` (symlinks resolved) is `root` or below it."""
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):
        return True  # unknowable: treat as the agent's
    return real == root or root in real.parents


def safe_path(value: str, root: Path) -> str:
    """`PATH` without relative entries and without entries inside the working tree `root`."""
    kept = [
        entry
        for entry in value.split(os.pathsep)
        if entry and os.path.isabs(entry) and not _inside(entry, root)
    ]
    return os.pathsep.join(kept)


@lru_cache(maxsize=64)
def _which(path: str) -> str | None:
    return shutil.which("git", path=path)


def git_executable(root: Path) -> str:
    """The git to run for the working tree `root`: never one the working tree holds."""
    found = _which(safe_path(os.environ.get("PATH", os.defpath), root.resolve()))
    if found is None:
        raise VcsError("git was not found on PATH (outside the working tree)")
    return found


@lru_cache(maxsize=1)
def _private_home() -> str:
    return tempfile.mkdtemp(prefix="roadmapd-git-home-")


def git_home(root: Path) -> str:
    """HOME for git and hooks: the user's real home, unless the working tree contains it."""
    home = os.path.expanduser("~")
    if not os.path.isabs(home) or _inside(home, root.resolve()):
        return _private_home()
    return home


def _user_vars(root: Path) -> dict[str, str]:
    env = {k: os.environ[k] for k in IDENTITY_VARS if k in os.environ}
    for key in CONFIG_PATH_VARS:
        value = os.environ.get(key)
        if value and (value == os.devnull or not _inside(value, root)):
            env[key] = value
    return env


def git_env(root: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a git process for the working tree `root`."""
    real_root = root.resolve()
    env = child_env(home=git_home(real_root))
    env["PATH"] = safe_path(env.get("PATH", os.defpath), real_root)
    env.update(_user_vars(real_root))
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.update(extra or {})
    return env


def hook_env(
    root: Path, pass_env: Iterable[str] = (), extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a hook: the allowlist (with `pass_env`), the user's git identity,
    and the hardening as config for every git the hook itself runs (`GIT_CONFIG_COUNT`)."""
    real_root = root.resolve()
    env = child_env(home=git_home(real_root), pass_env=pass_env)
    env["PATH"] = safe_path(env.get("PATH", os.defpath), real_root)
    env.update(_user_vars(real_root))
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_CONFIG_COUNT"] = str(len(HARDENING))
    for i, (key, value) in enumerate(HARDENING):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    env.update(extra or {})
    return env


def config_args(config: Sequence[tuple[str, str]] = HARDENING) -> list[str]:
    args: list[str] = []
    for key, value in config:
        args += ["-c", f"{key}={value}"]
    return args


def run_git(
    args: Sequence[str],
    *,
    cwd: Path,
    root: Path,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float | None = None,
    config: Sequence[tuple[str, str]] = HARDENING,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git <config> <args>` in `cwd` for the working tree `root`; never raises on a
    non-zero exit (the caller decides), raises VcsError when git cannot be started."""
    argv = [git_executable(root), *config_args(config), *args]
    try:
        return subprocess.run(
            argv,
            cwd=cwd,
            env=git_env(root, env),
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VcsError(f"git {args[0] if args else ''} could not run: {exc}") from exc


def discovery_root(start: Path) -> Path:
    """The nearest folder from `start` upwards holding a `.git` entry (else `start`): the
    working tree whose PATH entries must not provide git while git is asked where it is."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return here


def toplevel(start: Path) -> Path | None:
    """The top of the git working tree containing `start` (a folder), or None."""
    done = run_git(
        ["rev-parse", "--show-toplevel"], cwd=start, root=discovery_root(start), timeout=60
    )
    out = done.stdout.decode(errors="surrogateescape").strip()
    return Path(out).resolve() if done.returncode == 0 and out else None
