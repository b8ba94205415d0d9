"""The roadmapd language server (pygls 2): lenses, commands, diagnostics, hover, symbols."""

from __future__ import annotations

from .app import RoadmapServer, create_server
from .engine_port import Controller
from .main import main
from .states import TaskStates, TaskStateStore

__all__ = ["Controller", "RoadmapServer", "TaskStateStore", "TaskStates", "create_server", "main"]
