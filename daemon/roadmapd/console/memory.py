"""`roadmapd memory [--clear] [--json]`: what later tasks are told about earlier ones."""

from __future__ import annotations

import json
from pathlib import Path

from roadmapd.console.common import EXIT_OK, read_workspace
from roadmapd.memory import render_entry


def memory_command(*, clear: bool, as_json: bool) -> int:
    ws = read_workspace(Path.cwd())
    memory = ws.memory
    if clear:
        count = memory.clear()
        print(f"project memory cleared ({count} entr{'y' if count == 1 else 'ies'} forgotten)")
        return EXIT_OK
    entries = memory.entries()
    if as_json:
        print(
            json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False, indent=1)
        )
        return EXIT_OK
    if not entries:
        print("project memory is empty (it fills as tasks pass)")
        return EXIT_OK
    print(f"project memory: {len(entries)} entries, newest last ({memory.path})")
    for entry in entries:
        print(f"{render_entry(entry)}\n  at: {entry.at:%Y-%m-%d %H:%M} UTC")
    return EXIT_OK
