"""Running the repository's commit hooks the way `git commit` does, for commits we build ourselves.

pre-commit, prepare-commit-msg and commit-msg may refuse the commit; post-commit only informs.
Hooks see GIT_INDEX_FILE pointing at the index being committed and run from the work tree root.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .plumbing import Plumbing

HOOK_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class HookResult:
    ok: bool
    detail: str  # why it failed, for the user


def hook_path(pl: Plumbing, name: str) -> Path | None:
    """The executable hook file, honouring core.hooksPath, or None when there is none."""
    status, out, _ = pl.run("config", "--path", "core.hooksPath", check=False)
    if status == 0 and out.strip():
        folder = Path(out.decode().strip())
        folder = folder if folder.is_absolute() else pl.root / folder
    else:
        folder = Path(pl.text("rev-parse", "--git-common-dir"))
        folder = (folder if folder.is_absolute() else pl.root / folder) / "hooks"
    path = folder / name
    return path if path.is_file() and os.access(path, os.X_OK) else None


def run_hook(pl: Plumbing, name: str, args: list[str], env: Mapping[str, str]) -> HookResult:
    path = hook_path(pl, name)
    if path is None:
        return HookResult(True, "")
    hook_env = {**os.environ, **env, "GIT_EDITOR": ":"}
    hook_env.pop("GIT_DIR", None)
    hook_env.pop("GIT_WORK_TREE", None)
    try:
        done = subprocess.run(
            [str(path), *args],
            cwd=pl.root,
            env=hook_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=HOOK_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return HookResult(False, f"the {name} hook could not run: {exc}")
    if done.returncode == 0:
        return HookResult(True, "")
    output = (done.stdout + done.stderr).decode(errors="replace").strip()
    tail = output[-1500:] if output else "(no output)"
    return HookResult(False, f"the {name} hook failed (exit {done.returncode}): {tail}")
