"""PR-mode test parts: a bare remote, and a stand-in `gh` executable on PATH.

The stand-in records each call's argv as one JSON line in `$GH_CONFIG_DIR/calls.jsonl` (gh's
own config variable, one roadmapd passes on) and behaves by the files in that folder:
`auth-fails` (gh auth status exits 1), `create-fails` (gh pr create exits 1); `pr create`
prints a PR URL, `pr view --json` prints JSON with the state in `state` (default OPEN).
`flags(call)` reads a call's `--name=value` arguments.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

GH = """#!{python}
import json, os, sys
d = os.environ["GH_CONFIG_DIR"]
with open(os.path.join(d, "calls.jsonl"), "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
def flag(name):
    return os.path.exists(os.path.join(d, name))
if args[:2] == ["auth", "status"]:
    sys.exit(1 if flag("auth-fails") else 0)
if args[:2] == ["pr", "create"]:
    if flag("create-fails"):
        print("GraphQL: Resource not accessible by integration", file=sys.stderr)
        sys.exit(1)
    head = next(a for a in args if a.startswith("--head=")).split("=", 1)[1]
    print("https://github.com/acme/calc/pull/" + str(len(head)))
    sys.exit(0)
if args[:2] == ["pr", "merge"]:
    sys.exit(0)
if args[:2] == ["pr", "view"]:
    state = open(os.path.join(d, "state")).read().strip() if flag("state") else "OPEN"
    ref = args[2]
    pull = "https://github.com/acme/calc/pull/"
    url = ref if ref.startswith("https://") else pull + str(len(ref))
    print(json.dumps({{"state": state, "url": url}}))
    sys.exit(0)
sys.exit(2)
"""


class FakeGh:
    def __init__(self, root: Path) -> None:
        self.bin = root / "gh-bin"
        self.config = root / "gh-config"
        self.bin.mkdir()
        self.config.mkdir()
        exe = self.bin / "gh"
        exe.write_text(GH.format(python=sys.executable), encoding="utf-8")
        exe.chmod(0o755)

    def env(self, path: str) -> dict[str, str]:
        return {"PATH": f"{self.bin}:{path}", "GH_CONFIG_DIR": str(self.config)}

    def set(self, name: str, text: str = "") -> None:
        (self.config / name).write_text(text, encoding="utf-8")

    def calls(self) -> list[list[str]]:
        log = self.config / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]


def flags(call: list[str]) -> dict[str, str]:
    return dict(a[2:].split("=", 1) for a in call if a.startswith("--") and "=" in a)


def bare_remote(repo: Path, where: Path, env: dict[str, str], web: str | None = None) -> Path:
    """A bare repository holding `repo`'s main, added to `repo` as `origin`. With `web`, the
    remote's URL is that web address and pushes go to the bare repository (pushInsteadOf)."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(where)], check=True, env=env)
    url = web or str(where)
    for args in (["remote", "add", "origin", url], ["push", "-q", "origin", "main"]):
        if args[0] == "push" and web:
            subprocess.run(
                ["git", "config", f"url.{where}.pushInsteadOf", web], cwd=repo, check=True, env=env
            )
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    return where


def bare_git(bare: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={bare}", *args], capture_output=True, text=True, timeout=30
    )
    return done.stdout if done.returncode == 0 else ""


def json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out
