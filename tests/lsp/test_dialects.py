"""Kiro task files in the editor, over stdio with the real daemon: a `.kiro/specs/*/tasks.md`
found by the default patterns gets lenses on its `[-]` (in progress) and `[ ]*` (optional)
tasks, hovers that say so, and no look-alike warnings for them, while the same marks in
ROADMAP.md stay warnings (GitHub does not render them as checkboxes)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from roadmapd_protocol import REQUEST_TASKS

from .conftest import eventually
from .engine_session import project, session

pytestmark = pytest.mark.timeout(60)
KIRO = "# Plan\n\n- [-] 1. Add calc.add\n- [ ]* 2. Property tests for add\n"


async def test_kiro_marks_are_tasks_in_kiro_files_only(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    kiro = root / ".kiro" / "specs" / "calc" / "tasks.md"
    kiro.parent.mkdir(parents=True)
    kiro.write_text(KIRO, encoding="utf-8")
    (root / "ROADMAP.md").write_text(KIRO, encoding="utf-8")  # the same marks, GitHub's file
    async with session(root, "http://127.0.0.1:9", tmp_path / "state") as ed:
        ed.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(kiro.as_uri(), "markdown", 1, KIRO)
            )
        )
        ed.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=ed.uri, version=2),
                [types.TextDocumentContentChangeWholeDocument(text=KIRO)],
            )
        )
        github = await eventually(
            lambda: [d for d in ed.diagnostics.get(ed.uri, []) if d.code == "not-a-task"],
            "look-alike warnings in ROADMAP.md",
        )
        lenses: list[types.CodeLens] = []
        for _ in range(100):
            lenses = (
                await ed.client.text_document_code_lens_async(
                    types.CodeLensParams(types.TextDocumentIdentifier(uri=kiro.as_uri()))
                )
                or []
            )
            if lenses:
                break
            await asyncio.sleep(0.1)
        listed = await ed.client.protocol.send_request_async(REQUEST_TASKS, {"uri": kiro.as_uri()})
        kiro_diagnostics = ed.diagnostics.get(kiro.as_uri(), [])
        hovers = [
            await ed.client.text_document_hover_async(
                types.HoverParams(
                    types.TextDocumentIdentifier(uri=kiro.as_uri()), types.Position(line, 3)
                )
            )
            for line in (2, 3)
        ]
    assert [d.range.start.line for d in github] == [2, 3]
    assert [d for d in kiro_diagnostics if d.code == "not-a-task"] == []
    assert sorted({lens.range.start.line for lens in lenses}) == [0, 2, 3]  # heading, tasks
    assert [t.taskId for t in listed.roadmaps[0].tasks] == ["1", "2"]
    texts = [
        h.contents.value if h and isinstance(h.contents, types.MarkupContent) else ""
        for h in hovers
    ]
    assert "marked in progress in the task file" in texts[0]
    assert "optional: Run all leaves it out" in texts[1]
