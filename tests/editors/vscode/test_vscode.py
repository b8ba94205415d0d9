"""VS Code (code-server 4.139.1) end to end: runs e2e.mjs against the built .vsix.

The user's story in real VS Code against the fake Messages API: lenses on ROADMAP.md, a click on
"▶ Run task", attempt 1's pytest failure in the Problems panel, the automatic retry passing and
ticking the box, a roll back from the command palette restoring calc.py and unticking the box.

Twice: with the daemon bundled in the .vsix, run by a fresh venv of the system's python3 that has
no roadmapd (and no roadmapd on the login shell's PATH: checked before, and on the running
daemon's own PATH), and with roadmapd.importStrategy fromEnvironment and the repo's .venv.

Needs `bash tests/editors/vscode/setup.sh` (Node 24, code-server, chromium, playwright-core and
pytest wheels in a cache outside the repo) and the packaged extension (`make vsix`); anything
missing fails the test with that hint. Screenshots, result.json and the "Roadmap Server" log
land in test-output/vscode-bundled/ and test-output/vscode/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
STORY = [
    "openWorkspace",
    "openRoadmap",
    "waitForLenses",
    "bundledDaemonRuns",
    "settingsReachDaemonWithoutReload",
    "setApiKey",
    "runTaskFromLens",
    "problemsShowTheFailure",
    "retryPassesAndTicks",
    "openChangedFile",
    "rollBackFromPalette",
    "fileRestored",
    "boxUnticked",
    "noErrorNotifications",
]


OUT = {
    "bundled": "vscode-bundled",
    "environment": "vscode",
    "no-python": "vscode-no-python",
    "multiroot": "vscode-multiroot",
}


def run_e2e(daemon: str, timeout: int) -> dict[str, Any]:
    """`node e2e.mjs --daemon DAEMON` to its end; its result.json (every step passed)."""
    node = shutil.which("node")
    assert node, "node is not installed: apt-get install -y nodejs npm (Node 20 or later)"
    out = REPO / "test-output" / OUT[daemon]
    (out / "result.json").unlink(missing_ok=True)
    proc = subprocess.run(
        [node, str(HERE / "e2e.mjs"), "--daemon", daemon, "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode != 2, proc.stderr  # 2: a prerequisite is missing; stderr has the fix
    result_file = out / "result.json"
    assert result_file.exists(), f"e2e.mjs wrote no result: {proc.stdout}\n{proc.stderr}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert proc.returncode == 0, result.get("error", proc.stderr)
    return result


def old_python() -> str | None:
    """A Python older than 3.11 for the no-python run (as e2e.mjs finds it)."""
    if os.environ.get("ROADMAPD_E2E_OLD_PYTHON"):
        return os.environ["ROADMAPD_E2E_OLD_PYTHON"]
    versions = Path.home() / ".pyenv" / "versions"
    found = sorted(versions.glob("3.*/bin/python3")) if versions.is_dir() else []
    old = [p for p in found if re.fullmatch(r"3\.(\d|10)\.\d+", p.parents[1].name)]
    return str(old[-1]) if old else None


@pytest.mark.timeout(120)
def test_vscode_without_python_3_11_says_so_with_a_docs_button() -> None:
    """The bundled daemon with only an old python3 on PATH: one error message naming it and the
    fix, whose "Open Docs" button opens docs/vscode.md#python-interpreter; no daemon starts."""
    if old_python() is None:
        pytest.skip("no Python older than 3.11 here (set ROADMAPD_E2E_OLD_PYTHON)")
    result = run_e2e("no-python", 110)
    seen = result["noInterpreter"]
    assert "needs Python 3.11 or newer" in seen["message"]
    tried = r"old-python/python3 \(python3 on PATH\): Python 3\.\d+\.\d+ is too old"
    assert re.search(tried, seen["message"])
    assert seen["opened"].endswith("docs/vscode.md#python-interpreter")
    assert seen["starts"] == 0 and seen["processes"] == 0


@pytest.mark.timeout(330)
@pytest.mark.parametrize("daemon", ["bundled", "environment"])
def test_vscode_runs_a_task_shows_the_failure_ticks_and_rolls_back(daemon: str) -> None:
    result = run_e2e(daemon, 300)
    story = [s for s in STORY if daemon == "bundled" or s != "bundledDaemonRuns"]
    assert [s["step"] for s in result["steps"]] == story
    if daemon == "bundled":
        # The daemon ran from the .vsix on an interpreter that cannot import roadmapd, with no
        # roadmapd on its PATH (e2e.mjs read its argv, environment and mapped files in /proc).
        proof = result["daemon"]
        assert proof["interpreter"] == result["interpreter"]["python"]
        assert proof["bundledLibs"] in proof["bootstrap"]
        assert any("_pydantic_core" in f for f in proof["bundledModulesLoaded"])
        assert proof["roadmapdOnPath"] == [] and proof["pythonsThatImportRoadmapd"] == []
        assert result["loginShell"]["roadmapd"] == "" and not result["loginShell"]["imports"]
    assert "▶ Run task" in result["lenses"]["multiply"]
    assert any("waits for multiply" in t for t in result["lenses"]["divide"])
    failure = result["failure"]
    assert any("assert 81 == 12" in row for row in failure["rows"]), failure
    assert any(t.startswith("attempt 2") for t in failure["lenses"])
    passed = result["passed"]
    assert any(line.startswith("- [x] Add `multiply") for line in passed["lines"])
    assert any(t.startswith(("✓ passed", "✓ committed")) for t in passed["lenses"])
    assert result["apiRequests"] == 5  # the whole scripted session, no more
    assert "rolled back multiply" in result["rollbackMessage"]
    assert not any("multiply" in line for line in result["calcAfterRollback"])
    assert any("rolled back" in t for t in result["rolledBack"]["lenses"])
    shots = [Path(s["screenshot"]) for s in result["steps"]]
    assert all(shot.stat().st_size > 0 for shot in shots)


@pytest.mark.timeout(420)
def test_vscode_multi_root_gives_each_folder_its_daemon_and_commits_there() -> None:
    """A .code-workspace of two folders, each its own repository with a roadmap: two daemons;
    the "▶ Run task" lens in each folder's ROADMAP.md runs the task through that folder's daemon,
    ticks that roadmap and commits in that repository only; the status bar names the folder."""
    result = run_e2e("multiroot", 400)
    task = "Add `multiply(a, b)` to calc.py"
    # after the run in api: api has the task's commit, web does not (yet)
    assert result["api"]["commits"][0].startswith(task), result["api"]
    assert result["api"]["web"] == ["Calculator: initial commit"]
    # after the run in web: web has its own commit, api still exactly one
    assert result["web"]["commits"][0].startswith(task), result["web"]
    assert len(result["web"]["api"]) == 2
    assert result["ticked"] == {"api": True, "web": True}
    assert result["lmTools"]  # vscode.lm.registerTool exists here and took the four tools
    assert any(t.startswith("web: ") for t in result["statusBar"]), result["statusBar"]
    tree = result["tree"]  # the task tree: both roadmaps, multiply passed with cost and time
    assert any(t.startswith("api/ROADMAP.md") for t in tree) and any(
        t.startswith("web/ROADMAP.md") for t in tree
    )
    assert len([t for t in tree if t.startswith("multiply Add")]) == 2
    pending, failed = result["filters"]["pending"], result["filters"]["failed"]
    assert not any(t.startswith("multiply") for t in pending)
    assert not any(t.startswith(("multiply", "divide")) for t in failed)
    graph = result["graph"]  # four tasks, two Depends: edges, coloured by status
    statuses = sorted(n["status"] for n in graph["nodes"])
    assert statuses == ["committed", "committed", "pending", "pending"], graph
    assert graph["edges"] == 2
    assert all(
        "testing-iconPassed" in n["stroke"] for n in graph["nodes"] if n["status"] == "committed"
    )
    assert "api" in result["revealed"]
