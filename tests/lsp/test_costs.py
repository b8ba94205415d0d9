"""A model without a known price: the editor shows every cost as an estimate (`~$0.03`) in the
lenses, inlay hints, hovers and the transcript; a known model's costs stay exact. One formatter
(`roadmapd.agent.pricing.format_cost`) writes them all, as it does in the CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from roadmapd.agent.pricing import format_cost, is_estimate
from roadmapd.config import Config
from roadmapd.roadmap import parse
from roadmapd.server.hover import _state_lines
from roadmapd.server.inlay_hints import hint_label
from roadmapd.server.lenses import task_lenses
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import CMD_RUN_TASK, TaskState

from .conftest import eventually
from .engine_session import GOOD, git, project, session

pytestmark = pytest.mark.timeout(90)


def test_the_formatter() -> None:
    assert format_cost(0.0123) == "$0.0123"
    assert format_cost(0.0123, estimate=True) == "~$0.0123"
    assert format_cost(0.031, short=True) == "$0.03"
    assert format_cost(0.031, estimate=True, short=True) == "~$0.03"
    assert format_cost(0.003, short=True) == "<$0.01"
    assert format_cost(0.003, estimate=True, short=True) == "~<$0.01"
    assert not is_estimate("claude-sonnet-4-6", "claude-haiku-4-5-20251001")
    assert is_estimate("claude-sonnet-4-6", "llama3.1:8b")


def test_the_models_a_run_pays_for() -> None:
    assert Config(model="llama3.1:8b").priced_models == ("llama3.1:8b",)
    review = Config(review="agent", roles={"reviewer": {"model": "claude-haiku-4-5"}})
    assert review.priced_models == ("claude-sonnet-4-6", "claude-haiku-4-5")
    assert Config(review="agent").priced_models == ("claude-sonnet-4-6", "claude-sonnet-4-6")


@pytest.mark.parametrize(("estimated", "mark"), [(False, ""), (True, "~")])
def test_lens_hint_and_hover_texts(estimated: bool, mark: str) -> None:
    task = parse("- [x] T1 Build it\n").tasks[0]
    state = TaskState(
        uri="file:///r/ROADMAP.md",
        taskId="T1",
        title="Build it",
        status="committed",
        turns=4,
        costUsd=0.031,
        costEstimated=estimated,
    )
    lens = task_lenses(state.uri, task, state, [])[0]["command"]["title"]
    assert lens == f"✓ passed · 4 turns · {mark}$0.03"
    assert hint_label(state) == f"✓ 4 turns {mark}$0.03"
    assert f"- cost: {mark}$0.0310" in _state_lines(state.uri, task, state)


def create(path: str, body: str) -> dict[str, Any]:
    args = {"command": "create", "path": path, "file_text": body}
    return tool_use("str_replace_based_edit_tool", args)


async def test_a_task_run_by_a_model_without_a_price_shows_estimates(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    toml = root / "roadmapd.toml"
    toml.write_text('model = "llama3.1:8b"\n' + toml.read_text(encoding="utf-8"))
    git(root, "commit", "-qam", "a local model")
    with FakeServer(script(create("calc.py", GOOD), text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            started = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert started["ok"], started
            await eventually(lambda: ed.status("T01") == "committed", "T01 committed", 45)
            final = ed.states[-1]
            assert final["costEstimated"] is True and final["costUsd"] > 0
            passed = [t for titles in (await ed.lenses()).values() for t in titles if "✓" in t]
            assert passed and re.search(r"· ~<?\$\d+\.\d\d$", passed[0]), passed
            line = next(i for i, s in enumerate(ed.text.splitlines()) if "T01" in s)
            hover = await ed.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=ed.uri),
                    position=types.Position(line=line, character=8),
                )
            )
            assert hover is not None and isinstance(hover.contents, types.MarkupContent)
            assert "- cost: ~$" in hover.contents.value, hover.contents.value
            finished = [t["text"] for t in ed.transcript if "agent finished" in t["text"]]
            assert finished and all("~$" in t for t in finished), finished
