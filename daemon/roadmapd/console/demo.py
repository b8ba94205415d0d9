"""`roadmapd demo [--real] [--keep DIR]`: the bundled example project, run end to end.

Copies the example `roadmapd/examples/calculator/` (package data: it ships in the wheel) into a
fresh git repository (its own git identity), starts the bundled fake Messages API server with
the scripted session `roadmapd/examples/calculator-session.json` (or, with `--real`, uses the
real API and ANTHROPIC_API_KEY), runs every task as `roadmapd run --all` would, and prints the
result, `git log --oneline` and how to open the project in VS Code. The directory is kept so it
can be explored afterwards. The example's tests need nothing but the standard library
(unittest, through its run_tests.py), so a plain `pip install roadmapd` runs the demo.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from roadmapd.console.common import CommandError, open_project
from roadmapd.console.run import run_tasks
from roadmapd.console.selection import select_tasks

EXAMPLES = files("roadmapd") / "examples"  # package data (pyproject.toml)
EXAMPLE = EXAMPLES / "calculator"
SESSION = EXAMPLES / "calculator-session.json"
DEMO_KEY = "sk-demo-fake-server-key"


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
        )
    except FileNotFoundError:
        raise CommandError("git is not installed: the demo needs it") from None
    except subprocess.CalledProcessError as exc:
        raise CommandError(f"git {' '.join(args)} failed: {exc.stderr.strip()}") from None
    return done.stdout


def _copy_tree(source: Traversable, target: Path) -> None:
    """Copy a package-data folder (a Traversable: not always a real directory) to `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def prepare_project(target: Path) -> Path:
    """Copy the example into `target` (new or empty) and commit it in a new repository."""
    if not EXAMPLE.is_dir() or not SESSION.is_file():
        raise CommandError(
            f"the bundled example is missing from the installed package ({EXAMPLES}): "
            "reinstall roadmapd"
        )
    if target.exists() and any(target.iterdir()):
        raise CommandError(f"{target}: not empty; choose a new directory for --keep")
    _copy_tree(EXAMPLE, target)
    _git(target, "init", "-q", "-b", "main")
    _git(target, "config", "user.name", "roadmapd demo")
    _git(target, "config", "user.email", "demo@roadmapd.invalid")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "Calculator example: initial commit")
    return target


@contextlib.contextmanager
def api_environment(real: bool) -> Iterator[str]:
    """Point this process (and its children) at the fake server, or check the real key."""
    saved = {k: os.environ.get(k) for k in ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "PATH")}
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join(p for p in (bin_dir, saved["PATH"]) if p)
    try:
        if real:
            if not os.environ.get("ANTHROPIC_API_KEY"):
                raise CommandError("--real needs ANTHROPIC_API_KEY in the environment")
            yield "the real Anthropic API"
            return
        from roadmapd.testing import FakeServer, FakeServerError

        with contextlib.ExitStack() as stack:
            try:
                session = json.loads(SESSION.read_text(encoding="utf-8"))
                server = stack.enter_context(FakeServer(session))
            except FakeServerError as exc:
                raise CommandError(f"cannot start the fake API server: {exc}") from None
            os.environ["ANTHROPIC_BASE_URL"], os.environ["ANTHROPIC_API_KEY"] = server.url, DEMO_KEY
            yield f"the bundled fake API server at {server.url} (scripted session)"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def demo_command(*, real: bool, keep: str | None) -> int:
    target = Path(keep).resolve() if keep else Path(tempfile.mkdtemp(prefix="roadmapd-demo-"))
    project_dir = prepare_project(target)
    print(f"Demo project: {project_dir} (a copy of the calculator example, committed)")
    with api_environment(real) as where:
        print(f"Agent: {where}\n")
        project = open_project(str(project_dir / "ROADMAP.md"))
        tasks = select_tasks(
            project.roadmap, project.roadmap_path, task_ids=(), section=None, everything=True
        )
        summary = run_tasks(project, tasks, keep_going=False, as_json=False)
    print("\ngit log --oneline:")
    print("".join(f"  {line}\n" for line in _git(project_dir, "log", "--oneline").splitlines()))
    print(
        "Open it in VS Code, with the roadmapd extension (roadmapd.roadmapd on the Marketplace "
        "and Open VSX):\n"
        f"  code {project_dir}\n"
        f"Explore it: cd {project_dir} && roadmapd status && roadmapd log multiply"
    )
    return summary.exit_code
