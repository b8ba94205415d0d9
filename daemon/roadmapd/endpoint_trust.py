"""Which Messages API endpoint a configuration file may choose: only one the user committed.

The API key goes to `base_url` (top level, or a role's). The agent writes the working tree,
and a task that fails leaves its edits there, so an edited `roadmapd.toml` (or
`[tool.roadmapd]` in `pyproject.toml`) could send the key to a server of the agent's choosing
on the next run. So a `base_url` in the configuration file counts only when the file at HEAD
sets the same value; otherwise loading the configuration fails with what to do (commit it, or
give the endpoint outside the working tree: `ANTHROPIC_BASE_URL`, the editor's setting, a CLI
override). Outside a git repository nothing is checked (no task can run there). The committed
file is read through the hardened git door (`vcs/gitproc.py`), and only when the working
file names an endpoint at all.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from roadmapd.vcs.gitproc import run_git, toplevel
from roadmapd.vcs.outcomes import VcsError


def endpoints(data: Mapping[str, Any]) -> dict[str, str]:
    """Every `base_url` a configuration table sets, by its key path."""
    found: dict[str, str] = {}
    if isinstance(data.get("base_url"), str):
        found["base_url"] = data["base_url"]
    roles = data.get("roles")
    if isinstance(roles, Mapping):
        for name, role in roles.items():
            if isinstance(role, Mapping) and isinstance(role.get("base_url"), str):
                found[f"roles.{name}.base_url"] = role["base_url"]
    return found


def uncommitted_endpoints(
    path: Path, data: Mapping[str, Any], table: tuple[str, ...] = ()
) -> list[str]:
    """The endpoints of the configuration `data` (read from `path`; `table`: where the
    settings sit in it, e.g. ("tool", "roadmapd")) that the file at HEAD does not set alike."""
    wanted = endpoints(data)
    if not wanted:
        return []
    folder = path.parent.resolve()
    try:
        top = toplevel(folder)
        if top is None:
            return []
        shown = run_git(["show", f"HEAD:./{path.name}"], cwd=folder, root=top, timeout=60)
    except VcsError:
        return sorted(wanted)
    committed: Any = {}
    if shown.returncode == 0:
        try:
            committed = tomllib.loads(shown.stdout.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            committed = {}
    for key in table:
        committed = committed.get(key, {}) if isinstance(committed, Mapping) else {}
    have = endpoints(committed) if isinstance(committed, Mapping) else {}
    return sorted(k for k, v in wanted.items() if have.get(k) != v)
