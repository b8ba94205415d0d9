"""PR mode's git work outside the checkout: push a task branch, and which tasks a branch holds.

A push is the one git command of roadmapd that talks to another machine, so it needs what the
hardened door (`gitproc.run_git`) otherwise keeps out: the user's credential helpers and SSH.
It gets exactly that, and only from the user's own settings, never from the repository's
config (which a cloned project or a hostile task could have shaped):

- `credential.helper` is reset (`-c credential.helper=`) and set again to the values of the
  user's global config (`git config --global`), `core.sshCommand` likewise;
- `protocol.ext.allow=never` (no `ext::` remote runs a command); hooks stay off (no pre-push);
- the daemon's `SSH_AUTH_SOCK`, `SSH_AGENT_PID`, `GIT_SSH_COMMAND` and `GIT_ASKPASS` /
  `SSH_ASKPASS` are passed on (the user's, set before roadmapd started; the agent's jail never
  sees them). `GIT_TERMINAL_PROMPT=0`: a push that needs a password fails instead of waiting.

`reachable_tasks` reads the `Roadmap-Task:` lines of every commit message reachable from a
revision: a task commit, a merge of it, and a squash whose message kept the trailer (GitHub puts
the squashed commits' messages into the squash commit's body) all count.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .gitproc import HARDENING, run_git
from .outcomes import VcsError

TASK_LINE = re.compile(r"^Roadmap-Task:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
PASSED_VARS = ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "GIT_SSH_COMMAND", "GIT_ASKPASS", "SSH_ASKPASS")
PUSH_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class PushResult:
    ok: bool
    reason: str = ""  # why not, when not ok


def _git(root: Path, *args: str, timeout: float = 60.0) -> tuple[int, str, str]:
    done = run_git(args, cwd=root, root=root, timeout=timeout)
    return (
        done.returncode,
        done.stdout.decode(errors="surrogateescape"),
        done.stderr.decode(errors="replace"),
    )


def global_values(root: Path, key: str) -> list[str]:
    """The user's global (not the repository's) values of a config key."""
    status, out, _ = _git(root, "config", "--global", "--get-all", key)
    return [line for line in out.splitlines() if line] if status == 0 else []


def push_config(root: Path) -> tuple[tuple[str, str], ...]:
    """The hardening plus what a push needs, taken from the user's global config only."""
    extra: list[tuple[str, str]] = [("protocol.ext.allow", "never"), ("credential.helper", "")]
    extra += [("credential.helper", value) for value in global_values(root, "credential.helper")]
    ssh = global_values(root, "core.sshCommand")
    extra.append(("core.sshCommand", ssh[-1] if ssh else "ssh"))
    return (*HARDENING, *extra)


def remote_url(root: Path, remote: str) -> str | None:
    status, out, _ = _git(root, "remote", "get-url", "--", remote)
    return out.strip() or None if status == 0 else None


def current_branch(root: Path) -> str | None:
    """The checked-out branch's short name, or None when HEAD is detached."""
    status, out, _ = _git(root, "symbolic-ref", "-q", "--short", "HEAD")
    return out.strip() or None if status == 0 else None


def push_branch(root: Path, remote: str, branch: str) -> PushResult:
    """Push `refs/heads/<branch>` to the same name on `remote`; never raises."""
    if remote_url(root, remote) is None:
        return PushResult(False, f"no remote named {remote} (git remote add {remote} URL)")
    env = {k: os.environ[k] for k in PASSED_VARS if k in os.environ}
    ref = f"refs/heads/{branch}"
    args = ["push", "--porcelain", "--", remote, f"{ref}:{ref}"]
    try:
        done = run_git(
            args, cwd=root, root=root, env=env, timeout=PUSH_TIMEOUT_S, config=push_config(root)
        )
    except VcsError as exc:
        return PushResult(False, str(exc))
    if done.returncode == 0:
        return PushResult(True)
    err = done.stderr.decode(errors="replace").strip().splitlines()
    detail = next((line for line in err if line.startswith(("fatal:", "error:"))), None)
    return PushResult(False, detail or (err[-1] if err else f"git push exit {done.returncode}"))


def reachable_tasks(root: Path, rev: str = "HEAD") -> set[str]:
    """Ids of the tasks whose `Roadmap-Task:` line is in a commit reachable from `rev`."""
    status, out, err = _git(root, "log", "-z", "--format=%B", rev, "--", timeout=300.0)
    if status != 0:
        if "does not have any commits" in err or ("unknown revision" in err and rev == "HEAD"):
            return set()
        raise VcsError(f"git log {rev} failed: {err.strip() or f'exit {status}'}")
    return {m.group(1) for m in TASK_LINE.finditer(out)}


def pushed_task_branches(root: Path, remote: str) -> set[str]:
    """Task ids with a `roadmap/<task>` branch on `remote` as last fetched
    (`refs/remotes/<remote>/roadmap/*`): pushed, maybe in review."""
    from .refs import decode_id

    prefix = f"refs/remotes/{remote}/roadmap/"
    status, out, _ = _git(root, "for-each-ref", "--format=%(refname)", prefix)
    if status != 0:
        return set()
    return {decode_id(line.removeprefix(prefix)) for line in out.splitlines() if line}


def resolve(root: Path, rev: str) -> str | None:
    status, out, _ = _git(root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}")
    return out.strip() or None if status == 0 else None
