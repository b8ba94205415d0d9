"""The server starts light: the engine (the anthropic SDK, GitPython, the agent loop, the
workspace) is imported in the background after the first lenses, not when `roadmapd serve`
starts (importing the SDK alone takes about a second here)."""

from __future__ import annotations

import json
import subprocess
import sys

ENGINE_MODULES = (
    "anthropic",
    "git",
    "roadmapd.workspace",
    "roadmapd.agent.session",
    "roadmapd.engine",
)


def test_starting_the_server_does_not_import_the_engine() -> None:
    probe = (
        "import json, sys\n"
        "import roadmapd.server.main\n"
        "from roadmapd.server.app import create_server\n"
        "create_server()\n"
        f"print(json.dumps([m for m in {ENGINE_MODULES!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    )
    assert json.loads(out.stdout) == []
