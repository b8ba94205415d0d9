"""The roadmapd language server (pygls 2): lenses, commands, diagnostics, hover, symbols."""

from __future__ import annotations

from .app import RoadmapServer, create_server
from .engine_port import EnginePort
from .main import main
from .task_states import InMemoryTaskStates, TaskStates

__all__ = [
    "EnginePort",
    "InMemoryTaskStates",
    "RoadmapServer",
    "TaskStates",
    "create_server",
    "main",
]
