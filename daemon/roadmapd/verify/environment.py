"""The environment a check runs in: the caller's (or the daemon's), minus anything secret."""

from __future__ import annotations

import os
from collections.abc import Mapping
from fnmatch import fnmatchcase

SECRET_PATTERNS = ("ANTHROPIC_*", "*_API_KEY", "*_TOKEN", "*_SECRET*", "*_PASSWORD")


def is_secret(name: str) -> bool:
    upper = name.upper()
    return any(fnmatchcase(upper, pattern) for pattern in SECRET_PATTERNS)


def check_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) without secrets, with colours off."""
    source = os.environ if base is None else base
    env = {name: value for name, value in source.items() if not is_secret(name)}
    env.setdefault("NO_COLOR", "1")
    env.pop("FORCE_COLOR", None)
    env.pop("PY_COLORS", None)
    return env
