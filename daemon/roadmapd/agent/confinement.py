"""What keeps the agent's tools inside the workspace: path resolution and the scrubbed environment.

Paths (relative to the workspace, or absolute inside it) are resolved with symlinks followed;
anything that lands outside the workspace root or inside a `.git` directory is refused with a
`ToolError` whose message the model can act on. The shell gets a copy of the environment with
every variable that looks like a credential removed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from roadmapd.secrets import is_secret_name


class ToolError(Exception):
    """A tool call that cannot be carried out; the message goes back to the model as is_error."""


def resolve_inside(root: Path, path: str) -> Path:
    """The real path of `path` if it is inside `root` and outside `.git/`, else ToolError."""
    if not path.strip():
        raise ToolError("path is empty: give a path relative to the workspace root")
    if "\0" in path:
        raise ToolError("path contains a NUL byte")
    real_root = root.resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = real_root / candidate
    try:
        real = candidate.resolve()
    except (OSError, RuntimeError) as exc:  # symlink loops, permission problems
        raise ToolError(f"cannot resolve {path!r}: {exc}") from None
    if not real.is_relative_to(real_root):
        raise ToolError(
            f"{path!r} is outside the workspace ({real_root}); only files inside it can be used"
        )
    if ".git" in real.relative_to(real_root).parts:
        raise ToolError(f"{path!r} is inside .git/, which is off limits (the daemon owns git)")
    return real


def display_path(root: Path, real: Path) -> str:
    """Workspace-relative POSIX path for messages ('.' for the root itself)."""
    return real.relative_to(root.resolve()).as_posix() or "."


def scrubbed_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of `env` (default: os.environ) without the client's `ANTHROPIC_*` settings and
    without what `secrets` takes for a credential (keys, tokens, secrets, passwords...)."""
    source = os.environ if env is None else env
    return {
        k: v for k, v in source.items() if not k.startswith("ANTHROPIC_") and not is_secret_name(k)
    }
