"""Attack tests reuse the CLI harness: a real repository, `roadmapd` as a subprocess, the fake
Messages API. Each attack leaves a marker outside the workspace if it worked."""

from __future__ import annotations

from tests.cli.conftest import edit, make_repo, one_task_roadmap

__all__ = ["edit", "make_repo", "one_task_roadmap"]
