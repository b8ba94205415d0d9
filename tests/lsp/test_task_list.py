"""The roadmapd/tasks request over stdio with the real engine: every task of the workspace's
roadmaps with its place, dependencies and state; after a run (fake Messages API, real git, real
pytest) the same request shows the run's status, cost and commit. A bad uri is an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import CMD_RUN_TASK, REQUEST_TASKS

from .conftest import eventually
from .engine_session import GOOD, project, session

pytestmark = pytest.mark.timeout(90)
CREATE = tool_use(
    "str_replace_based_edit_tool", {"command": "create", "path": "calc.py", "file_text": GOOD}
)


async def tasks(ed: Any, params: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await ed.client.protocol.send_request_async(REQUEST_TASKS, params or {})
    return {
        "roadmaps": [
            {"uri": r.uri, "tasks": [dict(t._asdict()) for t in r.tasks]} for r in result.roadmaps
        ]
    }


async def test_the_task_list_follows_a_run(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    with FakeServer(script(CREATE, text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            before = await tasks(ed)
            started = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert started["ok"], started
            await eventually(lambda: ed.status("T01") == "committed", "T01 committed", timeout=60)
            after = await tasks(ed, {"uri": ed.uri})
            with pytest.raises(JsonRpcException) as bad:
                await ed.client.protocol.send_request_async(
                    REQUEST_TASKS, {"uri": (root / "nope.md").as_uri()}
                )
            uri = ed.uri
    (roadmap,) = before["roadmaps"]
    assert roadmap["uri"] == uri
    t01, t02 = roadmap["tasks"]
    assert (t01["taskId"], t01["title"], t01["line"], t01["headings"]) == (
        "T01",
        "Add calc.add",
        2,
        ["Plan"],
    )
    assert t01["status"] == "pending" and not t01["checked"] and t01["costUsd"] == 0
    assert t02["depends"] == ["T01"] and t02["status"] == "pending"
    done = after["roadmaps"][0]["tasks"][0]
    assert done["status"] == "committed" and done["checked"] and done["costUsd"] > 0
    assert done["commit"] and done["durationS"] is not None
    assert "not a roadmap document" in str(bad.value)
