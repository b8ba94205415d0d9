"""The ROADMAP-as-a-language features, registered in one call: completion, go to definition and
references, rename, quick fixes and source actions, folding, inlay hints, and breaking a task
down (docs/editor.md, "Editing a roadmap")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import breakdown, code_actions, completion, folding, inlay_hints, navigation, rename

if TYPE_CHECKING:
    from .app import RoadmapServer


def register(ls: RoadmapServer) -> None:
    for feature in (completion, navigation, rename, code_actions, folding, inlay_hints, breakdown):
        feature.register(ls)
