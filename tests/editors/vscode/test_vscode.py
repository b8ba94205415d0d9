"""VS Code (code-server 4.139.1) end to end: runs e2e.mjs against the built .vsix.

The user's story in real VS Code against the fake Messages API: lenses on ROADMAP.md, a click on
"▶ Run task", attempt 1's pytest failure in the Problems panel, the automatic retry passing and
ticking the box, a roll back from the command palette restoring calc.py and unticking the box.

Needs `bash tests/editors/vscode/setup.sh` (Node 24, code-server, chromium, playwright-core in a
cache outside the repo) and the packaged extension (`make vsix`); anything missing fails the test
with that hint. Screenshots, result.json and the "Roadmap Server" log land in test-output/vscode/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
STORY = [
    "openWorkspace",
    "openRoadmap",
    "waitForLenses",
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


@pytest.mark.timeout(330)
def test_vscode_runs_a_task_shows_the_failure_ticks_and_rolls_back() -> None:
    node = shutil.which("node")
    assert node, "node is not installed: apt-get install -y nodejs npm (Node 20 or later)"
    out = REPO / "test-output" / "vscode"
    (out / "result.json").unlink(missing_ok=True)
    proc = subprocess.run(
        [node, str(HERE / "e2e.mjs"), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 2, proc.stderr  # 2: a prerequisite is missing; stderr has the fix
    result_file = out / "result.json"
    assert result_file.exists(), f"e2e.mjs wrote no result: {proc.stdout}\n{proc.stderr}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert proc.returncode == 0, result.get("error", proc.stderr)
    assert [s["step"] for s in result["steps"]] == STORY
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
