"""Fault injection for the crash tests: `fault_point(name)` kills this process with SIGKILL when
the environment variable ROADMAPD_FAULT_POINT names that point.

The variable is read once at import, so an unarmed point costs one comparison with None.
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "ROADMAPD_FAULT_POINT"
_ARMED = os.environ.get(ENV_VAR) or None


def fault_point(name: str) -> None:
    """Die here, as `kill -9` would, if the test armed this point."""
    if _ARMED is not None and name == _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
