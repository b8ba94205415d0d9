"""The roadmapd/tasks request: every task of the workspace's roadmaps (or of one) with its
state, for views that show the roadmap whole (the extension's task tree and dependency graph).

Answered from what the server already holds: the parsed documents (open buffers, else the file
on disk) and the wire task states; nothing is polled. A client asks once and then follows
roadmapd/taskState; it asks again when a roadmap document changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roadmapd.roadmap import Task
from roadmapd_protocol import (
    REQUEST_TASKS,
    RoadmapListing,
    TaskListing,
    TasksParams,
    TasksResult,
    TaskState,
)

from .commands import document_params

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents
    from .task_states import TaskStates


def listing(task: Task, state: TaskState | None) -> TaskListing:
    return TaskListing(
        taskId=task.id,
        title=task.title,
        line=task.line,
        headings=list(task.headings),
        parent=task.parent,
        depends=list(task.depends),
        checked=task.checked,
        status=state.status if state is not None else "pending",
        reason=state.reason if state is not None else None,
        costUsd=state.costUsd if state is not None else 0.0,
        durationS=state.durationS if state is not None else None,
        commit=state.commit if state is not None else None,
    )


async def tasks_of(documents: Documents, states: TaskStates, uri: str | None) -> TasksResult:
    uris = [uri] if uri is not None else sorted(await documents.scan())
    roadmaps = []
    for where in uris:
        parsed = documents.get(where)
        if parsed is None:
            continue
        tasks = [listing(t, states.get(where, t.id)) for t in parsed.roadmap.tasks]
        roadmaps.append(RoadmapListing(uri=where, tasks=tasks))
    return TasksResult(roadmaps=roadmaps)


def register(server: LanguageServer, documents: Documents, states: TaskStates) -> None:
    @server.feature(REQUEST_TASKS)
    async def tasks(params: Any) -> dict[str, Any]:
        ref = document_params(documents, TasksParams, REQUEST_TASKS, params)
        return (await tasks_of(documents, states, ref.uri)).model_dump()
