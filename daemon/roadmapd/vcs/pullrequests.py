"""The pull-request host behind a small port: the GitHub CLI, or the compare URL to open by hand.

`PullRequests` is what PR mode needs of a host: open a PR for a pushed branch, ask for
auto-merge, read a PR's state. `GhPullRequests` runs `gh` (found on `PATH` outside the working
tree, with the allowlisted environment plus gh's own token and config variables); it is used
when `gh auth status` succeeds. Otherwise `compare_url` gives the web page that opens the PR
(GitHub-style `/compare/BASE...HEAD?expand=1`, GitLab's `/-/merge_requests/new?...`), derived
from the remote's URL; a remote without a web host (a local path) has none.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from roadmapd.containment.env import child_env

from .gitproc import git_home, safe_path

GH_VARS = ("GH_TOKEN", "GITHUB_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN", "GH_CONFIG_DIR")
GH_TIMEOUT_S = 120.0
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PullRequest:
    url: str | None
    state: str  # OPEN | MERGED | CLOSED (gh's words), "unknown", or "not opened"
    detail: str = ""  # why there is none, or what failed


class PullRequests(Protocol):
    def create(self, *, head: str, base: str, title: str, body: str) -> PullRequest: ...
    def auto_merge(self, url: str) -> str | None: ...  # None, or why it was not set
    def view(self, ref: str) -> PullRequest: ...


class GhPullRequests:
    """`gh pr create / merge --auto --squash / view` in the repository at `root`."""

    def __init__(self, root: Path, executable: str) -> None:
        self.root = root
        self.executable = executable

    @classmethod
    def find(cls, root: Path) -> GhPullRequests | str:
        """The adapter when gh is installed and logged in, else why not."""
        found = shutil.which("gh", path=safe_path(os.environ.get("PATH", os.defpath), root))
        if found is None:
            return "gh is not installed"
        gh = cls(root, found)
        status, _, err = gh._run(["auth", "status"])
        if status != 0:
            return f"gh is not logged in ({_last_line(err) or f'exit {status}'})"
        return gh

    def _run(self, args: Sequence[str]) -> tuple[int, str, str]:
        env = child_env(home=git_home(self.root), pass_env=GH_VARS)
        env["PATH"] = safe_path(env.get("PATH", os.defpath), self.root)
        env["GH_PROMPT_DISABLED"] = "1"
        env["NO_COLOR"] = "1"
        try:
            done = subprocess.run(
                [self.executable, *args],
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=GH_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return 1, "", f"gh could not run: {exc}"
        return (
            done.returncode,
            done.stdout.decode(errors="replace"),
            done.stderr.decode(errors="replace"),
        )

    def create(self, *, head: str, base: str, title: str, body: str) -> PullRequest:
        # `--flag=value`: a title or body starting with "-" stays a value
        args = ["pr", "create", f"--head={head}", f"--base={base}", f"--title={title}",
                f"--body={body}"]  # fmt: skip
        status, out, err = self._run(args)
        url = next((w for w in out.split() if w.startswith(("https://", "http://"))), None)
        if status != 0 or url is None:
            why = _last_line(err) or _last_line(out) or f"exit {status}"
            return PullRequest(None, "not opened", f"gh pr create failed: {why}")
        return PullRequest(url, "OPEN")

    def auto_merge(self, url: str) -> str | None:
        status, out, err = self._run(["pr", "merge", url, "--auto", "--squash"])
        if status == 0:
            return None
        return f"gh pr merge --auto failed: {_last_line(err) or _last_line(out) or status}"

    def view(self, ref: str) -> PullRequest:
        """The PR of `ref` (a URL, a number or a head branch); its url None when gh knows none."""
        status, out, err = self._run(["pr", "view", ref, "--json", "state,url"])
        if status != 0:
            return PullRequest(None, UNKNOWN, f"gh pr view failed: {_last_line(err) or status}")
        try:
            data = json.loads(out)
            url = data.get("url")
            return PullRequest(str(url) if url else None, str(data.get("state") or UNKNOWN))
        except (ValueError, AttributeError):
            return PullRequest(None, UNKNOWN, "gh pr view printed no JSON")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def web_base(remote: str) -> str | None:
    """`https://host/owner/repo` for a remote URL on a web host (https or scp-like ssh)."""
    url = remote.strip()
    if url.startswith(("https://", "http://", "ssh://", "git://")):
        rest = url.split("://", 1)[1]
        host, _, path = rest.partition("/")
        host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    elif ":" in url and "@" in url.split(":", 1)[0] and not url.startswith("/"):
        userhost, _, path = url.partition(":")
        host = userhost.rsplit("@", 1)[-1]
    else:
        return None  # a local path or file:// URL: no web page
    path = path.strip("/").removesuffix(".git")
    if not host or "/" not in path:
        return None
    return f"https://{host}/{path}"


def compare_url(remote: str, *, base: str, head: str) -> str | None:
    """The page that opens a PR (GitLab: a merge request) from `head` into `base`, or None."""
    web = web_base(remote)
    if web is None:
        return None
    if "gitlab" in web.split("/")[2]:
        return (
            f"{web}/-/merge_requests/new?merge_request%5Bsource_branch%5D={quote(head)}"
            f"&merge_request%5Btarget_branch%5D={quote(base)}"
        )
    return f"{web}/compare/{quote(base)}...{quote(head)}?expand=1"
