"""`roadmapd serve` keeps a big roadmap's parse once the first lenses are out (a writer process
it starts two seconds after its parse), and the next server (or the CLI) opening the same file
reads it instead of parsing: same lenses, same tasks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.cli.test_parse_cache import big_roadmap, settled, tasks_json

from roadmapd.parse_cache import ENV_CACHE_DIR

from .test_startup import lenses_then_exit


def written(cache: Path, wait: bool) -> None:
    if wait:
        settled(cache / "parse")


def first_lenses(roadmap: Path, cache: Path, wait: bool) -> tuple[Any, str]:
    """Lenses of `roadmap` from a fresh `python -m roadmapd serve`, and its log; with
    `wait`, the server is asked to stop only once the cache holds an entry."""
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
        try:
            text = roadmap.read_text(encoding="utf-8")
            lenses = lenses_then_exit(proc, roadmap, text, lambda: written(cache, wait))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return lenses, log.read_text(encoding="utf-8", errors="replace")


def test_the_next_server_reads_the_kept_parse(tmp_path: Path) -> None:
    roadmap, cache = tmp_path / "ROADMAP.md", tmp_path / "cache"
    roadmap.write_text(big_roadmap(1500), encoding="utf-8")
    first, log = first_lenses(roadmap, cache, wait=True)
    assert "parse cache: read" not in log
    (entry,) = cache.glob("parse/*.parse")
    written = entry.stat().st_mtime_ns

    again, log = first_lenses(roadmap, cache, wait=False)
    assert "parse cache: read" in log
    assert again == first and len(first) > 3000
    assert entry.stat().st_mtime_ns == written  # a hit writes nothing

    # the CLI finds the server's entry too (both key it by the file's path): it starts no writer
    assert len(tasks_json(roadmap, cache)) == 3000
    time.sleep(0.5)
    assert [p.name for p in cache.glob("parse/*")] == [entry.name]
    assert entry.stat().st_mtime_ns == written
