"""The custom notifications: `roadmapd/taskState` and `roadmapd/transcript`."""

from __future__ import annotations

from pygls.lsp.server import LanguageServer

from roadmapd_protocol import NOTIFY_TASK_STATE, NOTIFY_TRANSCRIPT, TaskState, TranscriptLine


def notify_task_state(ls: LanguageServer, state: TaskState) -> None:
    ls.protocol.notify(NOTIFY_TASK_STATE, state.model_dump())


def notify_transcript(ls: LanguageServer, line: TranscriptLine) -> None:
    ls.protocol.notify(NOTIFY_TRANSCRIPT, line.model_dump())
