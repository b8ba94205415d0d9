"""The one atomic writer (`roadmapd.files.write_atomic`): whole files only, also when two
processes write at once; the replaced file's mode kept; the folder synced after the rename.
And the one disk tick built on it (`roadmapd.checkbox.set_checked_on_disk`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from roadmapd.checkbox import DiskTick, NotWritten, set_checked_on_disk
from roadmapd.files import TMP_PREFIX, write_atomic

SIZE = 256 * 1024

WRITER = f"""
import sys
from pathlib import Path
from roadmapd.files import write_atomic
path, letter = Path(sys.argv[1]), sys.argv[2].encode()
print("ready", flush=True)
sys.stdin.readline()
for _ in range(60):
    write_atomic(path, letter * {SIZE})
"""


def test_two_processes_writing_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "ROADMAP.md"
    path.write_bytes(b"o" * SIZE)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), letter],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for letter in "ab"
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    seen = set()
    while any(proc.poll() is None for proc in procs):
        data = path.read_bytes()
        assert len(data) == SIZE and len(set(data)) == 1, "a torn or mixed file"
        seen.add(data[:1])
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    final = path.read_bytes()
    assert final in (b"a" * SIZE, b"b" * SIZE)
    assert seen <= {b"o", b"a", b"b"}
    assert [p.name for p in tmp_path.iterdir()] == ["ROADMAP.md"]  # no temp file left


def test_the_replaced_files_mode_is_kept_and_a_new_file_is_private(tmp_path: Path) -> None:
    shared = tmp_path / "ROADMAP.md"
    shared.write_text("- [ ] T1 a\n")
    shared.chmod(0o640)
    write_atomic(shared, b"- [x] T1 a\n")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    assert shared.read_bytes() == b"- [x] T1 a\n"

    new = tmp_path / "state" / "T1.json"
    write_atomic(new, b"{}")
    assert stat.S_IMODE(new.stat().st_mode) == 0o600


def test_the_folder_is_synced_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append("dir" if stat.S_ISDIR(mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_atomic(tmp_path / "f.json", b"{}")
    assert synced == ["file", "dir"]


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rename fails as on a full disk (the system call, not our code, is replaced)."""

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)


@pytest.mark.usefixtures("full_disk")
def test_a_failed_rename_keeps_the_old_content_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "T1.json"
    path.write_bytes(b"old")
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_the_disk_tick_says_what_it_did_and_keeps_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / "ROADMAP.md"
    text = "# Plan\r\n- [ ] T001 caf\u00e9\r\n- [x] T002 done\n"
    path.write_bytes(text.encode("utf-8"))
    assert set_checked_on_disk(path, "T009", True) is DiskTick.NO_TASK
    assert set_checked_on_disk(path, "T002", True) is DiskTick.ALREADY
    assert path.read_bytes() == text.encode("utf-8")
    assert set_checked_on_disk(path, "T001", True) is DiskTick.WRITTEN
    assert path.read_bytes() == text.replace("- [ ] T001", "- [x] T001").encode("utf-8")


@pytest.mark.usefixtures("full_disk")
def test_a_disk_tick_that_cannot_write_says_so_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ROADMAP.md"
    path.write_bytes(b"- [ ] T001 a\n")
    with pytest.raises(NotWritten, match="No space left"):
        set_checked_on_disk(path, "T001", True)
    assert path.read_bytes() == b"- [ ] T001 a\n"
