"""Files replaced whole or not at all, read exactly, and locked between processes.

The one atomic writer of the daemon: the task state files, the project memory and the user's
roadmap (a tick) all go through `write_atomic`. It lives at the top of the package, importing
only the standard library, so the language server can use it without loading the engine.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: The start of every temp file `write_atomic` makes (a crash can leave one behind).
TMP_PREFIX = ".tmp-"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a uniquely named temp file in the same folder, fsync it, rename it over `path`,
    fsync the folder.

    A crash at any point leaves either the old or the new content, never a mix; two writers at
    once each write their own temp file, so the last rename wins whole. The replaced file's
    permission bits are kept; a new file is private (0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(f.fileno(), path.stat().st_mode & 0o7777)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_text_exact(path: Path) -> str:
    """File text with its line endings untouched (CRLF stays CRLF)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (created if missing) for the duration of the block.

    The lock belongs to the open file: it is released when the block ends or the process dies.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
