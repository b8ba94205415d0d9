"""`roadmapd serve` keeps a big roadmap's parse once the first lenses are out (a writer process
it starts two seconds after its parse), and the next server (or the CLI) opening the same file
reads it instead of parsing: same lenses, same tasks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.cli.test_parse_cache import big_roadmap

from roadmapd.parse_cache import ENV_CACHE_DIR

from .test_robustness import response
from .test_startup import message, notification


def first_lenses(roadmap: Path, cache: Path, wait_for_entry: bool) -> tuple[Any, str]:
    """Lenses of `roadmap` from a fresh `python -m roadmapd serve`, and its log; with
    `wait_for_entry`, the server is asked to stop only once the cache holds an entry."""
    env = {**os.environ, ENV_CACHE_DIR: str(cache)}
    log = roadmap.parent / "serve.log"
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "roadmapd", "serve", "--log-level", "DEBUG", "--no-engine"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=roadmap.parent,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            init = {"processId": None, "rootUri": roadmap.parent.as_uri(), "capabilities": {}}
            proc.stdin.write(message(1, "initialize", init))
            proc.stdin.flush()
            response(proc.stdout, 1)
            uri = roadmap.as_uri()
            text = roadmap.read_text(encoding="utf-8")
            item = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
            proc.stdin.write(
                notification("initialized", {})
                + notification("textDocument/didOpen", {"textDocument": item})
                + message(2, "textDocument/codeLens", {"textDocument": {"uri": uri}})
            )
            proc.stdin.flush()
            lenses = response(proc.stdout, 2)["result"]
            deadline = time.monotonic() + 60
            while wait_for_entry and [p.suffix for p in cache.glob("parse/*")] != [".parse"]:
                assert time.monotonic() < deadline, "no cache entry written"
                time.sleep(0.1)
            proc.stdin.write(message(3, "shutdown"))
            proc.stdin.flush()
            response(proc.stdout, 3)
            proc.stdin.write(notification("exit", None))
            proc.stdin.flush()
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return lenses, log.read_text(encoding="utf-8", errors="replace")


def test_the_next_server_reads_the_kept_parse(tmp_path: Path) -> None:
    roadmap, cache = tmp_path / "ROADMAP.md", tmp_path / "cache"
    roadmap.write_text(big_roadmap(1500), encoding="utf-8")
    first, log = first_lenses(roadmap, cache, wait_for_entry=True)
    assert "parse cache: read" not in log
    (entry,) = cache.glob("parse/*.parse")
    written = entry.stat().st_mtime_ns

    again, log = first_lenses(roadmap, cache, wait_for_entry=False)
    assert "parse cache: read" in log
    assert again == first and len(first) > 3000
    assert entry.stat().st_mtime_ns == written  # a hit writes nothing

    # the CLI finds the server's entry too (both key it by the file's path): it starts no writer
    env = {**os.environ, ENV_CACHE_DIR: str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "roadmapd", "tasks", "--json", str(roadmap)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert len(json.loads(done.stdout)) == 3000
    time.sleep(0.5)
    assert [p.name for p in cache.glob("parse/*")] == [entry.name]
    assert entry.stat().st_mtime_ns == written
