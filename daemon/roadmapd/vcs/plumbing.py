"""A thin, typed door to git plumbing for one repository (`gitproc.run_git` runs the processes).

Every command gets an explicit GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE (so an inherited
environment cannot redirect us), literal pathspecs, and NUL-separated output where paths appear;
`gitproc` adds the allowlisted environment and the hardening config (no hooks, no fsmonitor...).
`temp_index()` yields the environment for a private index file: that is how we build trees
without touching the user's index. GitPython is not used: importing it runs `git` from PATH
with the daemon's whole environment.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from .gitproc import HARDENING, discovery_root, run_git
from .outcomes import IgnoredPolicy, VcsError

SNAPSHOT_IDENTITY = {
    "GIT_AUTHOR_NAME": "roadmapd",
    "GIT_AUTHOR_EMAIL": "roadmapd@localhost",
    "GIT_COMMITTER_NAME": "roadmapd",
    "GIT_COMMITTER_EMAIL": "roadmapd@localhost",
}

Entry = tuple[str, str]  # (mode, object id) of one path in a tree


class Plumbing:
    """Runs git for the repository whose work tree is (or contains) `root`."""

    def __init__(self, root: Path, ignored: IgnoredPolicy | None = None) -> None:
        self.ignored = ignored or IgnoredPolicy()  # what snapshots record of ignored files
        start = Path(root)
        if not start.is_dir():
            raise VcsError(f"not a git repository: {root}")
        guard = discovery_root(start)  # its PATH entries must not provide git
        found = run_git(["rev-parse", "--absolute-git-dir"], cwd=start, root=guard)
        if found.returncode != 0:
            raise VcsError(f"not a git repository: {root}")
        top = run_git(["rev-parse", "--show-toplevel"], cwd=start, root=guard)
        top_dir = top.stdout.decode(errors="surrogateescape").strip()
        if top.returncode != 0 or not top_dir:
            raise VcsError(f"a bare repository has no working tree: {root}")
        self.root = Path(top_dir)
        self.git_dir = Path(found.stdout.decode(errors="surrogateescape").strip())
        self.index_path = self.git_dir / "index"
        self._base_env = {
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(self.root),
            "GIT_INDEX_FILE": str(self.index_path),
            "GIT_LITERAL_PATHSPECS": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
        self._empty_tree: str | None = None

    # -- running ---------------------------------------------------------------------------

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        check: bool = True,
        config: Sequence[tuple[str, str]] = HARDENING,
    ) -> tuple[int, bytes, str]:
        """Run `git <args>`; returns (status, stdout bytes, stderr text)."""
        done = run_git(
            args, cwd=self.root, root=self.root, env={**self._base_env, **(env or {})},
            stdin=stdin, config=config,
        )  # fmt: skip
        err_text = done.stderr.decode(errors="replace")
        if check and done.returncode != 0:
            raise VcsError(f"git {args[0]} failed: {err_text.strip() or f'exit {done.returncode}'}")
        return done.returncode, done.stdout, err_text

    def text(
        self, *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None
    ) -> str:
        """stdout of a successful command as text, without the trailing newline."""
        return (
            self.run(*args, env=env, stdin=stdin)[1].decode(errors="surrogateescape").rstrip("\n")
        )

    def config_value(self, key: str) -> str | None:
        """The repository's own value of a path-valued config key (our `-c` hardening of that
        key left out, so that `core.hooksPath` reads what the user set), or None."""
        keep = tuple(item for item in HARDENING if item[0].lower() != key.lower())
        status, out, _ = self.run("config", "--path", "--get", key, check=False, config=keep)
        value = out.decode(errors="surrogateescape").strip()
        return value if status == 0 and value else None

    @contextmanager
    def temp_index(self, copy_user_index: bool = False) -> Iterator[dict[str, str]]:
        """Environment for a private index file, optionally starting as a copy of the user's."""
        with tempfile.TemporaryDirectory(prefix="roadmapd-index-") as tmp:
            path = Path(tmp) / "index"
            if copy_user_index and self.index_path.exists():
                shutil.copy2(self.index_path, path)  # keeps the mtime racy-git checks need
            yield {"GIT_INDEX_FILE": str(path)}

    # -- refs and objects ------------------------------------------------------------------

    def resolve(self, rev: str) -> str | None:
        status, out, _ = self.run("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
        return out.decode().strip() if status == 0 else None

    def head(self) -> tuple[str | None, str | None]:
        """(HEAD commit or None when unborn, branch ref or None when detached)."""
        status, out, _ = self.run("symbolic-ref", "-q", "HEAD", check=False)
        branch = out.decode().strip() if status == 0 else None
        return self.resolve("HEAD"), branch

    @property
    def zero_oid(self) -> str:
        return "0" * len(self.empty_tree)

    @property
    def empty_tree(self) -> str:
        if self._empty_tree is None:
            self._empty_tree = self.text("mktree", stdin=b"")
        return self._empty_tree

    def tree_of(self, commit: str) -> str:
        return self.text("rev-parse", f"{commit}^{{tree}}")

    def message_of(self, commit: str) -> str:
        return self.text("log", "-1", "--format=%B", commit)

    def update_ref(self, ref: str, new: str, old: str | None, reason: str) -> None:
        """Move `ref` to `new` only if it is at `old` (zero oid: must not exist; None: any)."""
        args = ["update-ref", "-m", reason, ref, new]
        if old is not None:
            args.append(old)
        self.run(*args)

    def delete_ref(self, ref: str, old: str) -> None:
        self.run("update-ref", "-d", ref, old)

    def commit_tree(
        self, tree: str, parents: Iterable[str], message: str, env: Mapping[str, str] | None = None
    ) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.text(*args, "-F", "-", stdin=message.encode(), env=env)

    def write_blob(self, data: bytes) -> str:
        return self.text("hash-object", "-w", "--stdin", stdin=data)

    def read_blob(self, oid: str) -> bytes:
        return self.run("cat-file", "blob", oid)[1]

    def ls_tree(self, treeish: str, paths: Iterable[str] | None = None) -> dict[str, Entry]:
        """path -> (mode, oid) for every blob/link/gitlink below treeish (limited to paths)."""
        args = ["ls-tree", "-r", "-z", "--full-tree", treeish]
        path_list = list(paths) if paths is not None else None
        if path_list is not None:
            if not path_list:
                return {}
            args += ["--", *path_list]
        entries: dict[str, Entry] = {}
        for record in self.run(*args)[1].split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, _kind, oid = meta.decode().split(" ")
            entries[path.decode(errors="surrogateescape")] = (mode, oid)
        return entries

    def changed_paths(self, tree_a: str, tree_b: str) -> list[str]:
        """Paths whose entry differs between two trees (added, deleted, modified, type-changed)."""
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", tree_a, tree_b)[1]
        return sorted(p.decode(errors="surrogateescape") for p in out.split(b"\0") if p)

    def set_index_entries(
        self, entries: Mapping[str, Entry], remove: Iterable[str], env: Mapping[str, str]
    ) -> None:
        """Write index entries (removals first) into the index named by env's GIT_INDEX_FILE."""
        lines = [f"0 {self.zero_oid}\t{path}" for path in sorted(remove)]
        lines += [f"{mode} {oid}\t{path}" for path, (mode, oid) in sorted(entries.items())]
        if lines:
            feed = "\0".join(lines) + "\0"
            self.run(
                "update-index",
                "-z",
                "--index-info",
                env=env,
                stdin=feed.encode(errors="surrogateescape"),
            )

    def in_progress(self) -> str | None:
        """Name of a merge/rebase/cherry-pick/revert/bisect in progress, or None."""
        markers = {
            "MERGE_HEAD": "a merge",
            "CHERRY_PICK_HEAD": "a cherry-pick",
            "REVERT_HEAD": "a revert",
            "rebase-merge": "a rebase",
            "rebase-apply": "a rebase or am",
            "BISECT_LOG": "a bisect",
        }
        for name, what in markers.items():
            if os.path.exists(self.git_dir / name):
                return what
        return None
