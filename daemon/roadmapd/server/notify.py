"""The custom notifications: `roadmapd/taskState` and `roadmapd/transcript`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roadmapd_protocol import NOTIFY_TASK_STATE, NOTIFY_TRANSCRIPT, TaskState, TranscriptLine

if TYPE_CHECKING:
    from .app import RoadmapServer


def notify_task_state(ls: RoadmapServer, state: TaskState) -> None:
    ls.protocol.notify(NOTIFY_TASK_STATE, state.model_dump())


def notify_transcript(ls: RoadmapServer, line: TranscriptLine) -> None:
    ls.protocol.notify(NOTIFY_TRANSCRIPT, line.model_dump())
