"""VS Code (code-server 4.139.1) end to end: runs e2e.mjs against the built .vsix.

Needs `bash tests/editors/vscode/setup.sh` (Node 24, code-server, chromium, playwright-core in a
cache outside the repo) and the packaged extension (`cd extension && npm ci && npm run package`);
anything missing fails the test with that hint. Screenshots land in test-output/vscode/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


@pytest.mark.timeout(330)
def test_vscode_activates_starts_the_daemon_and_shows_lenses() -> None:
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
    assert result["lenses"].count("▶ Run task") == 2
    assert any("waits for T404" in title for title in result["lenses"])
    assert [s["step"] for s in result["steps"]][-1] == "noErrorNotifications"
    shots = [Path(s["screenshot"]) for s in result["steps"]]
    assert all(shot.stat().st_size > 0 for shot in shots)
