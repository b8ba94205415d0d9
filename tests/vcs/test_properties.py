"""Property: over random working-tree states, a checkpoint changes nothing the user owns, and
restoring it after random damage gives back exactly the same files and index, and the ignored
files as they were (ignored files made after the checkpoint are left alone)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vcs_helpers import GitRepo, init_repo

from roadmapd.vcs import Plumbing, capture_checkpoint, restore_checkpoint

PATHS = ["a.txt", "b.bin", "d/c.txt", "d/e/f.txt", "g"]
CONTENTS = [b"one\n", b"two\nlines\n", b"\x00\x01binary\xff", b"", b"one\nthree\n"]

op = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(PATHS), st.sampled_from(CONTENTS)),
    st.tuples(st.just("delete"), st.sampled_from(PATHS), st.just(b"")),
    st.tuples(st.just("link"), st.sampled_from(PATHS), st.sampled_from([b"a.txt", b"nowhere"])),
    st.tuples(st.just("dir"), st.sampled_from(PATHS), st.sampled_from(CONTENTS)),
    st.tuples(st.just("exec"), st.sampled_from(PATHS), st.just(b"")),
    st.tuples(st.just("ignored"), st.sampled_from(["x.log", "d/y.log"]), st.sampled_from(CONTENTS)),
)
stage = st.tuples(st.just("stage"), st.sampled_from(PATHS), st.just(b""))


def _clear(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _apply(repo: GitRepo, ops: list[tuple[str, str, bytes]]) -> None:
    for kind, rel, data in ops:
        path = repo.root / rel
        if kind == "stage":
            repo.git("add", "-A", "--", rel, check=False)
            continue
        if kind == "exec":
            if path.is_file() and not path.is_symlink():
                path.chmod(0o755)
            continue
        for parent in reversed(path.parents):  # a file where a directory must go
            if parent != repo.root and repo.root in parent.parents and not parent.is_dir():
                _clear(parent)
        _clear(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind in ("write", "ignored"):
            path.write_bytes(data)
        elif kind == "link":
            path.symlink_to(data.decode())
        elif kind == "dir":
            path.mkdir()
            (path / "inner.txt").write_bytes(data)


def _user_files(repo: GitRepo) -> dict[str, tuple[str, bytes]]:
    return {p: v for p, v in repo.files().items() if not p.endswith(".log")}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.one_of(op, stage), max_size=8),
    st.lists(op, min_size=1, max_size=6),
)
def test_checkpoint_then_restore_is_exact(
    user_ops: list[tuple[str, str, bytes]], damage: list[tuple[str, str, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = init_repo(Path(tmp) / "r", commit=False)
        repo.write(".gitignore", "*.log\n")
        for rel, data in zip(PATHS[:4], CONTENTS, strict=False):
            repo.write(rel, data)
        repo.commit_all()
        _apply(repo, user_ops)
        files, index, head = _user_files(repo), repo.index(), repo.git("rev-parse", "HEAD")
        index_bytes = (repo.root / ".git/index").read_bytes()
        ignored = {p: v for p, v in repo.files().items() if p.endswith(".log")}
        pl = Plumbing(repo.root)
        cp = capture_checkpoint(pl, "p", "prop")
        assert (repo.root / ".git/index").read_bytes() == index_bytes
        assert repo.git("rev-parse", "HEAD") == head and repo.files() == {**files, **ignored}
        _apply(repo, damage)
        later = {p: v for p, v in repo.files().items() if p.endswith(".log")}
        outcome = restore_checkpoint(pl, cp)
        assert outcome.done, outcome.reason
        assert _user_files(repo) == files
        # ignored files come back as they were; ones made after the checkpoint stay as they are
        assert {p: v for p, v in repo.files().items() if p.endswith(".log")} == {
            **later,
            **ignored,
        }
        assert repo.index() == index
        assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"


def test_file_and_directory_swap_both_ways(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "swap", "")
    before = repo.files()
    os.remove(repo.root / "README.md")
    (repo.root / "README.md").mkdir()
    (repo.root / "README.md" / "x").write_text("x")
    shutil.rmtree(repo.root / "src")
    (repo.root / "src").write_text("now a file")
    assert restore_checkpoint(pl, cp).done
    assert repo.files() == before
