"""The server starts light: the engine (the agent loop, git, the workspace) is imported in the
background after the first lenses, not when `roadmapd serve` starts, and the anthropic SDK
(about 1.4 s to import here), its HTTP client and GitPython not until a task runs. Held on the
commands editors run (`python -m roadmapd serve`, `roadmapd serve`), with `-X importtime`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROADMAP, make_repo
from .test_robustness import frame, response

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


def message(msg_id: int, method: str, params: Any = None) -> bytes:
    body = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}
    return frame(json.dumps(body).encode())


def notification(method: str, params: Any) -> bytes:
    return frame(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode())


#: What `roadmapd serve` must not import before a task runs: the SDK (~1.4 s), its HTTP
#: client, GitPython.
HEAVY = ("anthropic", "httpx2", "git")


def imported(importtime: str) -> set[str]:
    """The modules named in `-X importtime` output (`import time: self | cumulative | name`)."""
    names = set()
    for line in importtime.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    names.discard("imported package")  # the header line
    return names


def lenses_then_exit(
    proc: subprocess.Popen[bytes], roadmap: Path, text: str, before_exit: Callable[[], None]
) -> Any:
    """Drive a spawned server: initialize, open `roadmap` with `text`, ask its lenses; then
    `before_exit()`, shutdown and exit (asserting a clean exit). Returns the lenses."""
    assert proc.stdin is not None and proc.stdout is not None
    init = {"processId": None, "rootUri": roadmap.parent.as_uri(), "capabilities": {}}
    proc.stdin.write(message(1, "initialize", init))
    proc.stdin.flush()
    assert "result" in response(proc.stdout, 1)
    uri = roadmap.as_uri()
    item = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
    proc.stdin.write(
        notification("initialized", {})
        + notification("textDocument/didOpen", {"textDocument": item})
        + message(2, "textDocument/codeLens", {"textDocument": {"uri": uri}})
    )
    proc.stdin.flush()
    lenses = response(proc.stdout, 2)["result"]
    before_exit()
    proc.stdin.write(message(3, "shutdown"))
    proc.stdin.flush()
    response(proc.stdout, 3)
    proc.stdin.write(notification("exit", None))
    proc.stdin.flush()
    assert proc.wait(timeout=30) == 0
    return lenses


def heavy(modules: set[str]) -> list[str]:
    """The HEAVY packages among `modules` (by their top-level name)."""
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def serve_command(how: str) -> list[str]:
    if how == "python -m roadmapd serve":  # what the VS Code extension starts
        return [sys.executable, "-m", "roadmapd", "serve"]
    script = Path(sys.executable).parent / "roadmapd"  # the console script (serverPath)
    if not script.is_file():
        pytest.skip("no roadmapd console script next to this python")
    return [str(script), "serve"]


@pytest.mark.parametrize("how", ["python -m roadmapd serve", "roadmapd serve"])
def test_the_server_editors_start_imports_no_sdk_up_to_the_first_lenses(
    tmp_path: Path, how: str
) -> None:
    roadmap = make_repo(tmp_path / "repo")
    log = tmp_path / "importtime.txt"
    up_to: set[str] = set()
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            [*serve_command(how), "--log-level", "WARNING"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=roadmap.parent,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            lenses = lenses_then_exit(
                proc,
                roadmap,
                ROADMAP,
                lambda: up_to.update(imported(log.read_text(encoding="utf-8", errors="replace"))),
            )
            assert lenses, "no lenses"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    up_to_lenses = up_to
    assert "lsprotocol.types" in up_to_lenses and "roadmapd.server.lens_cache" in up_to_lenses
    assert heavy(up_to_lenses) == []
    # nor later, as long as no task runs (the engine loads in the background, without the SDK)
    assert heavy(imported(log.read_text(encoding="utf-8", errors="replace"))) == []
