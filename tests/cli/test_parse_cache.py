"""The parse cache: a big roadmap read before comes from its entry, and is always what a parse of
the text gives, whatever the entry holds (another text, another parser, garbage).

The real CLI (`roadmapd tasks --json`) starts the writer process and reads the entries; the
ParseCache itself is driven for what the CLI cannot show (a hit is not a parse, a stale entry
is a miss).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roadmapd import parse_cache
from roadmapd.files import TMP_PREFIX
from roadmapd.parse_cache import CACHE_FROM_CHARS, ENV_CACHE_DIR, ParseCache
from roadmapd.roadmap import parse


def big_roadmap(tasks: int, ticked: int = -1) -> str:
    """A roadmap over CACHE_FROM_CHARS: tasks with bodies, sub-tasks and dependencies."""
    out = ["# Plan", ""]
    for n in range(tasks):
        if n % 20 == 0:
            out += [f"## Phase {n // 20}", ""]
        box = "x" if n == ticked else " "
        out.append(f"- [{box}] T{n:05d} Implement part {n} of the parser and keep it fast")
        out.append(f"  The part {n} reads its input once; see the notes for the reasons why.")
        out.append(f"  - Files: src/part{n}.py, tests/test_part{n}.py")
        if n:
            out.append(f"  - Depends: T{n - 1:05d}")
        out.append(f"  - [ ] Cover the edge case of part {n}")
    return "\n".join(out) + "\n"


def tasks_json(path: Path, cache: Path) -> list[dict[str, object]]:
    env = {**os.environ, ENV_CACHE_DIR: str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "roadmapd", "tasks", "--json", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    listed: list[dict[str, object]] = json.loads(done.stdout)
    return listed


def settled(folder: Path, old: bytes = b"") -> Path:
    """The one entry in `folder` once its writer process is done (no temp file left, and its
    content other than `old`)."""
    deadline = time.monotonic() + 60
    while True:
        files = list(folder.iterdir()) if folder.is_dir() else []
        entries = [f for f in files if f.suffix == ".parse"]
        if len(entries) == len(files) == 1 and entries[0].read_bytes() != old:
            return entries[0]
        assert time.monotonic() < deadline, f"no entry written: {files}"
        time.sleep(0.05)


def test_the_cli_writes_an_entry_and_reads_it_back_as_the_parse(tmp_path: Path) -> None:
    roadmap, cache = tmp_path / "ROADMAP.md", tmp_path / "cache"
    roadmap.write_text(big_roadmap(1500), encoding="utf-8")
    assert roadmap.stat().st_size >= CACHE_FROM_CHARS
    first = tasks_json(roadmap, cache)
    entry = settled(cache / "parse")  # by the writer the command started
    written = entry.read_bytes()
    assert tasks_json(roadmap, cache) == first  # from the entry
    assert len(first) == 3000 and first[1]["depends"] == []
    time.sleep(0.2)
    assert entry.read_bytes() == written  # a hit starts no writer

    # a changed text is parsed again, and replaces the entry of that file
    roadmap.write_text(big_roadmap(1500, ticked=7), encoding="utf-8")
    changed = tasks_json(roadmap, cache)
    assert [t["checked"] for t in changed].count(True) == 1
    assert settled(cache / "parse", written) == entry

    # an entry that is garbage is a miss, never an error
    entry.write_bytes(b"\x00garbage" * 100)
    assert tasks_json(roadmap, cache) == changed
    assert settled(cache / "parse", b"\x00garbage" * 100) == entry


def test_a_hit_is_not_a_parse_and_a_stale_entry_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = big_roadmap(40)
    cache = ParseCache(tmp_path, min_chars=0)
    parsed = cache.parse(text, "/w/ROADMAP.md")
    cache.wait()
    assert parsed == parse(text)

    calls: list[str] = []
    real_parse = parse_cache.parse

    def counting(text: str) -> object:
        calls.append(text)
        return real_parse(text)

    monkeypatch.setattr(parse_cache, "parse", counting)
    hit = cache.parse(text, "/w/ROADMAP.md")
    assert calls == [] and hit == parsed and hit._memo == parsed._memo

    # the same text under another path has no entry; another text under this path is stale
    assert cache.parse(text, "/elsewhere/ROADMAP.md") == parsed and len(calls) == 1
    other = text.replace("T00003 Implement", "T00003 Build", 1)
    assert cache.parse(other, "/w/ROADMAP.md") == parse(other) and len(calls) == 2
    cache.wait()

    # an entry of another parser (its sources changed) is a miss
    monkeypatch.setattr(parse_cache, "fingerprint", lambda: b"another parser")
    assert cache.parse(other, "/w/ROADMAP.md") == parse(other) and len(calls) == 3
    cache.wait()


def test_a_write_left_unfinished_is_swept_away(tmp_path: Path) -> None:
    old, fresh = tmp_path / f"{TMP_PREFIX}x.1.text", tmp_path / f"{TMP_PREFIX}y.parse.2.tmp"
    for path in (old, fresh):
        path.write_bytes(b"half an entry")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    cache = ParseCache(tmp_path, min_chars=0)
    cache.parse(big_roadmap(3), "/w/ROADMAP.md")
    cache.wait()
    assert not old.exists() and fresh.exists()  # another writer may still be at it
    assert len(list(tmp_path.glob("*.parse"))) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".parse") == [fresh.name]


def test_a_small_roadmap_is_never_cached(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    cache.parse("# Plan\n- [ ] T001 Build it\n", "/w/ROADMAP.md")
    cache.wait()
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
