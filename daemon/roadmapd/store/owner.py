"""Which process owns an active task, and whether that process is still alive.

An owner is `host:pid:start` where `start` is the process start time from /proc (empty where
/proc is missing), so that a recycled pid is not mistaken for the original process.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _start_time(pid: int) -> str:
    """Start time of `pid` in clock ticks since boot, "" if unknown; "Z" for a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields and fields[0] in ("Z", "X"):
        return "Z"
    return fields[19] if len(fields) > 19 else ""


def current_owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def owner_alive(owner: str) -> bool:
    """False if the owner process is gone (or lives on another host: it cannot be checked,
    and marking its task interrupted is harmless, its next update overwrites it)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid_text, start = parts
    if host != socket.gethostname():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _start_time(pid)
    return now != "Z" and (not start or not now or now == start)
