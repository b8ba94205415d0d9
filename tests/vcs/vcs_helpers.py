"""Helpers for the vcs tests: real repositories in temp dirs, a fixed identity, no user config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


class GitRepo:
    """A throwaway repository and the few commands tests use to shape and inspect it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, check=False,
            env={**os.environ, **GIT_ENV},
        )  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"git {args} failed: {done.stderr.decode()}")
        return done.stdout.decode().strip()

    def write(self, rel: str, content: str | bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def commit_all(self, message: str = "base") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def files(self) -> dict[str, tuple[str, bytes]]:
        """Every file below the root outside .git: path -> (kind, content or link target)."""
        found: dict[str, tuple[str, bytes]] = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for name in filenames + [d for d in dirnames if os.path.islink(Path(dirpath, d))]:
                path = Path(dirpath, name)
                rel = path.relative_to(self.root).as_posix()
                if path.is_symlink():
                    found[rel] = ("link", os.readlink(path).encode())
                else:
                    kind = "exec" if os.access(path, os.X_OK) else "file"
                    found[rel] = (kind, path.read_bytes())
        return found

    def index(self) -> str:
        return self.git("ls-files", "-s")

    def status(self) -> str:
        return self.git("status", "--porcelain", "--untracked-files=all")


def init_repo(root: Path, commit: bool = True) -> GitRepo:
    root.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(root)
    repo.git("init", "-q", "-b", "main")
    if commit:
        repo.write("README.md", "hello\n")
        repo.write("ROADMAP.md", "# Roadmap\n\n- [ ] one\n- [ ] two\n")
        repo.write("src/app.py", "a = 1\nb = 2\nc = 3\n")
        repo.write(".gitignore", "*.log\n")
        repo.commit_all()
    return repo


def blob_id(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def held_contents(repo: GitRepo) -> set[tuple[str, str]]:
    """(path, blob id) of every file in the work tree and every entry of the index."""
    held = {(path, blob_id(data)) for path, (_kind, data) in repo.files().items()}
    for line in repo.index().splitlines():
        meta, _, path = line.partition("\t")
        held.add((path, meta.split()[1]))
    return held


def recoverable_contents(repo: GitRepo) -> set[tuple[str, str]]:
    """Everything findable now: work tree, index, and every tree of every commit any ref reaches."""
    found = held_contents(repo)
    commits = repo.git("rev-list", "--all").split()
    for commit in commits:
        for line in repo.git("ls-tree", "-r", commit).splitlines():
            meta, _, path = line.partition("\t")
            found.add((path, meta.split()[2]))
    return found


def assert_kill_loses_nothing(
    repo: GitRepo, before: set[tuple[str, str]], script: str, *args: str, point: str
) -> None:
    """Run `script` with `args` in a child that is killed at fault point `point`; everything in
    `before` must still be recoverable afterwards and `git fsck` must find no damage."""
    env = {**os.environ, **GIT_ENV, "ROADMAPD_FAULT_POINT": point}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    missing = before - recoverable_contents(repo)
    assert not missing, f"lost after a kill at {point}: {sorted(missing)}"
    fsck = subprocess.run(
        ["git", "fsck", "--no-dangling"], cwd=repo.root, capture_output=True, check=False
    )
    assert fsck.returncode == 0, fsck.stderr.decode()
