"""Running the repository's commit hooks the way `git commit` does, for commits we build ourselves.

Off unless the user turns them on (`run_hooks = true`): hooks run outside the agent's jail and
usually run code from the working tree (linters and their configs), which the agent wrote.
When on:

- they run with the allowlisted environment (`gitproc.hook_env`: never the API key, plus the
  user's `pass_env`), and every git they run gets our hardening config;
- `wrap` (when given) turns the hook's argv into the argv that runs it, e.g. inside the jail;
- a hook file inside the working tree (`core.hooksPath` pointing into it, husky style) runs only
  when it is exactly as the task's checkpoint and HEAD have it; otherwise the commit fails and
  says the hook needs the user's review (`CommitHooks.refusal`). Hooks under `.git` cannot be
  written by the agent (its jail has `.git` read-only).

pre-commit, prepare-commit-msg and commit-msg may refuse the commit; post-commit only informs.
Hooks see GIT_INDEX_FILE pointing at the index being committed and run from the work tree root.
git's own hooks (reference-transaction, post-checkout, ...) never run: see `gitproc.HARDENING`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .gitproc import hook_env
from .plumbing import Entry, Plumbing

HOOK_TIMEOUT_S = 600.0
COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")

# (argv, folders the hook must be able to write) -> the argv that runs it (e.g. in the jail)
Wrap = Callable[[list[str], Sequence[Path]], list[str]]


@dataclass(frozen=True)
class HookSettings:
    enabled: bool = False  # config `run_hooks`
    pass_env: tuple[str, ...] = ()  # config `pass_env`: more variables the hooks may see
    wrap: Wrap | None = None  # argv -> the argv that runs it (the jail), or None: run as it is


NO_HOOKS = HookSettings()


@dataclass(frozen=True)
class HookResult:
    ok: bool
    detail: str  # why it failed, for the user


def hook_path(pl: Plumbing, name: str) -> Path | None:
    """The executable hook file, honouring core.hooksPath, or None when there is none."""
    configured = pl.config_value("core.hooksPath")
    if configured:
        folder = Path(configured)
        folder = folder if folder.is_absolute() else pl.root / folder
    else:
        folder = Path(pl.text("rev-parse", "--git-common-dir"))
        folder = (folder if folder.is_absolute() else pl.root / folder) / "hooks"
    path = folder / name
    return path if path.is_file() and os.access(path, os.X_OK) else None


def run_hook(
    pl: Plumbing,
    name: str,
    args: list[str],
    env: Mapping[str, str],
    *,
    pass_env: tuple[str, ...] = (),
    wrap: Wrap | None = None,
    path: Path | None = None,
) -> HookResult:
    """Run one hook (found by `hook_path` unless given) with the allowlisted environment."""
    path = path or hook_path(pl, name)
    if path is None:
        return HookResult(True, "")
    extra = {k: v for k, v in env.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    extra["GIT_EDITOR"] = ":"
    argv = [str(path), *args]
    index = env.get("GIT_INDEX_FILE")
    writable = [Path(index).parent] if index else []
    try:
        done = subprocess.run(
            wrap(argv, writable) if wrap is not None else argv,
            cwd=pl.root,
            env=hook_env(pl.root, pass_env, extra),
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


class CommitHooks:
    """The hooks of one task commit, as the settings allow: `pre` is the checkpoint's tree,
    `now` the tree of the working tree at commit time, `head` HEAD's tree."""

    def __init__(
        self, pl: Plumbing, settings: HookSettings, *, pre: str, now: str, head: str
    ) -> None:
        self.pl, self.settings = pl, settings
        self._trees = (pre, now, head)
        self._paths: dict[str, Path | None] = {}
        self._seen: dict[Path, str] = {}  # in-tree hook -> digest of the bytes that were checked

    def _path(self, name: str) -> Path | None:
        if name not in self._paths:
            self._paths[name] = hook_path(self.pl, name)
        return self._paths[name]

    def refusal(self) -> str | None:
        """Why the commit must not go ahead: a hook in the working tree that the task changed
        (or that is not committed as it is now), or None."""
        if not self.settings.enabled:
            return None
        for name in COMMIT_HOOKS:
            path = self._path(name)
            if path is None:
                continue
            why = self._untrusted(path)
            if why is not None:
                return (
                    f"the {name} hook {why}; it needs your review before roadmapd runs it "
                    "(roadmapd never runs a hook from the working tree that differs from your "
                    "last commit or from the task's checkpoint): review it and commit it or "
                    "undo it, or turn run_hooks off"
                )
        return None

    def _untrusted(self, path: Path) -> str | None:
        root = self.pl.root.resolve()
        own = self._git_dirs()
        rels: list[str] = []
        for candidate in (Path(os.path.normpath(path.absolute())), path.resolve()):
            if any(_within(candidate, d) for d in own):
                continue  # the repository's own git dir: read-only in the agent's jail
            if _within(candidate, root):
                rels.append(candidate.relative_to(root).as_posix())
        if not rels:
            return None  # outside the working tree (e.g. .git/hooks): not the agent's
        pl = self.pl
        pre, now, head = (pl.ls_tree(tree, rels) for tree in self._trees)
        for rel in dict.fromkeys(rels):
            current: Entry | None = now.get(rel)
            if current is None:
                return f"{rel} is not recorded by git (ignored?), so the task may have written it"
            if pre.get(rel) != current:
                return f"{rel} was changed by the task (created or edited)"
            if head.get(rel) != current:
                return f"{rel} has changes you have not committed (an earlier task may have)"
        self._seen[path] = _digest(path)
        return None

    def _git_dirs(self) -> tuple[Path, ...]:
        common = Path(self.pl.text("rev-parse", "--git-common-dir"))
        common = common if common.is_absolute() else self.pl.root / common
        return (self.pl.git_dir.resolve(), common.resolve())

    def run(self, name: str, args: list[str], env: Mapping[str, str]) -> HookResult:
        if not self.settings.enabled:
            return HookResult(True, "")
        path = self._path(name)
        if path is None:
            return HookResult(True, "")
        why = self._untrusted(path) if path not in self._seen else None
        if why is None and path in self._seen and _digest(path) != self._seen[path]:
            why = "changed while the commit was being made"  # an earlier hook rewrote it
        if why is not None:
            return HookResult(False, f"the {name} hook {why}; it needs your review")
        s = self.settings
        return run_hook(self.pl, name, args, env, pass_env=s.pass_env, wrap=s.wrap, path=path)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.resolve().read_bytes()).hexdigest()
    except OSError:
        return ""


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
