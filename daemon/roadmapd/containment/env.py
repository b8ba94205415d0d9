"""The environment of every process the agent can influence: an allowlist, never a denylist.

The agent's shell, the checks, evidence runs and git (with its hooks) get `PATH`, `LANG`,
`LC_*`, `TERM`, `TZ`, a `HOME` of our choice, `CI=1`, and the names the user lists in `pass_env`.
Nothing else of the daemon's environment reaches them; the API key never does, even when listed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from roadmapd.secrets import API_KEY_VARS

ALWAYS = ("PATH", "LANG", "TERM", "TZ")
# PYTHONDONTWRITEBYTECODE: the checks leave no bytecode behind that would look like work
FIXED = {
    "CI": "1",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "NO_COLOR": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def child_env(
    *,
    home: str,
    pass_env: Iterable[str] = (),
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The allowlisted environment for a child, with `HOME` set to `home`."""
    base = os.environ if source is None else source
    wanted = set(ALWAYS) | {n for n in pass_env if n not in API_KEY_VARS}
    env = {k: v for k, v in base.items() if k in wanted or k.startswith("LC_")}
    env.setdefault("PATH", os.defpath)
    env.update(FIXED)
    env["HOME"] = home
    return env
