"""ROADMAP.md as a language, over stdio: completion, navigation, rename, quick fixes, folding,
inlay hints. Each test opens its own roadmap (`plans/<name>.md`) in one shared server, edits it
with didChange and checks that the feature's answer follows the text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from roadmapd.problems import Position, Range
from roadmapd.roadmap import TextEdit, apply_edit, parse

from .conftest import eventually, make_repo, register_client_handlers, server_config

pytestmark = pytest.mark.asyncio(loop_scope="module")

PLAN = """\
# Plan

## Phase 1
- [ ] T001 Build the parser
  - files: a.py
- [x] T002 Write the docs
- [ ] T003 Wire it up
  - depends: T001, T002

## Phase 2
- [ ] Polish the edges
  - Depends: T003
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("language")
    make_repo(root)
    for rel in ("src/app.py", "src/util/io.py", "node_modules/x/index.js", ".venv/lib/site.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("", encoding="utf-8")
    return root


@pytest_lsp.fixture(scope="module", config=server_config())
async def client(lsp_client: LanguageClient, repo: Path) -> Any:
    seen = register_client_handlers(lsp_client)
    seen["hint_refresh"] = 0

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def hint_refresh(params: None) -> None:
        seen["hint_refresh"] += 1

    lsp_client.seen = seen  # type: ignore[attr-defined]
    caps = client_capabilities("visual-studio-code")
    assert caps.workspace is not None and caps.text_document is not None
    caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    caps.text_document.inlay_hint = types.InlayHintClientCapabilities()
    options = {"roadmapd": {"roadmaps": ["ROADMAP.md", "plans/*.md"]}}
    params = types.InitializeParams(
        capabilities=caps, root_uri=repo.as_uri(), initialization_options=options
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


class Doc:
    """One open roadmap buffer: its text and version, kept in step with the server."""

    def __init__(self, client: LanguageClient, repo: Path, name: str, text: str) -> None:
        self.client, self.text, self.version = client, text, 1
        self.uri = (repo / "plans" / f"{name}.md").as_uri()
        self.id = types.TextDocumentIdentifier(uri=self.uri)
        item = types.TextDocumentItem(uri=self.uri, language_id="markdown", version=1, text=text)
        client.text_document_did_open(types.DidOpenTextDocumentParams(item))

    def change(self, text: str) -> None:
        self.text, self.version = text, self.version + 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def apply(self, edit: types.WorkspaceEdit | None) -> None:
        """Apply a WorkspaceEdit's changes for this document, as an editor would."""
        assert edit is not None and edit.changes is not None
        text = self.text
        ordered = sorted(
            edit.changes[self.uri],
            key=lambda e: (e.range.start.line, e.range.start.character),
            reverse=True,
        )
        for e in ordered:
            s, t = e.range.start, e.range.end
            at = Range(Position(s.line, s.character), Position(t.line, t.character))
            text = apply_edit(text, TextEdit(at, e.new_text))
        self.change(text)

    def pos(self, line: int, character: int) -> dict[str, Any]:
        return {"text_document": self.id, "position": types.Position(line, character)}


def at_end_of(doc: Doc, needle: str) -> types.Position:
    for n, line in enumerate(doc.text.splitlines()):
        if needle in line:
            return types.Position(n, line.index(needle) + len(needle))
    raise AssertionError(f"{needle!r} not in the document")


async def complete(doc: Doc, where: types.Position) -> list[types.CompletionItem]:
    result = await doc.client.text_document_completion_async(
        types.CompletionParams(text_document=doc.id, position=where)
    )
    if result is None:
        return []
    return list(result.items if isinstance(result, types.CompletionList) else result)


async def test_completion_of_ids_keys_and_paths(client: LanguageClient, repo: Path) -> None:
    doc = Doc(client, repo, "complete", PLAN.replace("  - Depends: T003\n", "  - Depends: \n"))
    items = await complete(doc, at_end_of(doc, "Depends: "))
    assert [i.label for i in items] == ["T001", "T002", "T003"]  # not the task itself
    assert items[1].detail == "Write the docs · done" and str(items[0].detail).endswith("pending")
    doc.change(doc.text + "- [ ] T005 Benchmarks\n")
    items = await complete(doc, at_end_of(doc, "Depends: "))
    assert [i.label for i in items] == ["T001", "T002", "T003", "T005"]
    doc.change(doc.text.replace("depends: T001, T002", "depends: T001, , T002"))
    on_t003 = await complete(doc, at_end_of(doc, "depends: T001, "))
    assert [i.label for i in on_t003] == ["polish-the-edges", "T005"]  # listed ones left out

    doc.change(doc.text.replace("  - files: a.py\n", "  - files: a.py\n  - \n"))
    keys = await complete(doc, types.Position(5, 4))
    assert [i.label for i in keys] == ["Depends:", "Files:", "Verify:", "Acceptance:"]
    assert keys[0].text_edit is not None and keys[0].text_edit.new_text == "Depends: "
    assert await complete(doc, types.Position(6, 2)) == []  # a task line, not a sub-bullet

    paths = [i.label for i in await complete(doc, at_end_of(doc, "files: a.py"))]
    assert "src/app.py" in paths and "src/util/" in paths and "ROADMAP.md" in paths
    assert not [p for p in paths if p.startswith(("node_modules", ".venv", ".git/"))]


async def test_definition_and_references_follow_edits(client: LanguageClient, repo: Path) -> None:
    doc = Doc(client, repo, "navigate", PLAN)
    where = at_end_of(doc, "depends: T0")  # inside "T001" on T003's Depends line
    found = await client.text_document_definition_async(types.DefinitionParams(**doc.pos(7, 14)))
    assert isinstance(found, types.Location) and found.range.start == types.Position(3, 6)
    assert where.line == 7
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            **doc.pos(3, 0), context=types.ReferenceContext(include_declaration=False)
        )
    )
    assert [(r.range.start.line, r.range.start.character) for r in refs or []] == [(7, 13)]
    doc.change(doc.text.replace("depends: T001, T002", "depends: T002"))
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            **doc.pos(3, 0), context=types.ReferenceContext(include_declaration=True)
        )
    )
    assert [r.range.start.line for r in refs or []] == [3]  # only its own id now
    nothing = await client.text_document_definition_async(types.DefinitionParams(**doc.pos(1, 0)))
    assert not nothing


async def test_rename_explicit_ids_and_refusals(client: LanguageClient, repo: Path) -> None:
    doc = Doc(client, repo, "rename", PLAN)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(**doc.pos(7, 14))
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    assert prepared.placeholder == "T001" and prepared.range.start == types.Position(7, 13)
    with pytest.raises(JsonRpcException, match="derived from the title"):
        await client.text_document_prepare_rename_async(types.PrepareRenameParams(**doc.pos(10, 8)))
    edit = await client.text_document_rename_async(
        types.RenameParams(**doc.pos(3, 7), new_name="T010")
    )
    doc.apply(edit)
    assert "- [ ] T010 Build the parser" in doc.text and "depends: T010, T002" in doc.text
    roadmap = parse(doc.text)
    assert roadmap.task("T003") is not None and roadmap.task("T003").depends == ("T010", "T002")  # type: ignore[union-attr]
    for bad, reason in (("T002", "already exists"), ("t-1", "not a valid spec id")):
        with pytest.raises(JsonRpcException, match=reason):
            await client.text_document_rename_async(
                types.RenameParams(**doc.pos(3, 7), new_name=bad)
            )


BROKEN = """\
# Plan
- [-] In progress
- [] Empty box
- [ ] T001 First
- [ ] T001 Second
- [ ] T003 Third
  - depends: T01
- [ ] Loop A <!-- id: a -->
  - depends: b
- [ ] Loop B <!-- id: b -->
  - depends: a
"""


async def actions_on(doc: Doc, first: int, last: int) -> list[types.CodeAction]:
    result = await doc.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc.id,
            range=types.Range(types.Position(first, 0), types.Position(last, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_quick_fixes_repair_every_problem(client: LanguageClient, repo: Path) -> None:
    doc = Doc(client, repo, "fixes", BROKEN)
    diags = await eventually(lambda: client.diagnostics.get(doc.uri), "roadmap problems")
    assert {d.code for d in diags} == {
        "not-a-task",
        "duplicate-id",
        "unknown-dependency",
        "dependency-cycle",
    }
    for line, title in ((1, "Replace `[-]` with `[ ]`"), (2, "Replace `[]` with `[ ]`")):
        (fix,) = await actions_on(doc, line, line)
        assert fix.title == title and fix.is_preferred
        doc.apply(fix.edit)
    renumber = await actions_on(doc, 4, 4)
    assert [a.title for a in renumber] == ["Renumber this task to T002"]
    doc.apply(renumber[0].edit)
    unknown = await actions_on(doc, 6, 6)
    assert unknown[0].title == "Change T01 to T001 (First)" and unknown[0].is_preferred
    assert unknown[-1].title == "Remove T01 from the Depends of T003"
    doc.apply(unknown[0].edit)
    cycle = await actions_on(doc, 8, 8)
    assert cycle[0].title == "Break the cycle a -> b -> a: a no longer depends on b"
    doc.apply(cycle[0].edit)
    assert "  - depends: b\n" not in doc.text
    roadmap = parse(doc.text)
    assert roadmap.problems == () and len(roadmap.tasks) == 7
    await eventually(lambda: client.diagnostics.get(doc.uri) == (), "every problem to go")
    assert await actions_on(doc, 0, 10) == []


async def test_source_action_adds_explicit_ids(client: LanguageClient, repo: Path) -> None:
    text = PLAN + "- [ ] Polish the edges\n"  # a second slug: polish-the-edges-2
    doc = Doc(client, repo, "ids", text)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc.id,
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )
    (action,) = [a for a in result or [] if isinstance(a, types.CodeAction)]
    assert action.kind == "source.addExplicitIds" and "(2 without one)" in action.title
    before = [t.id for t in parse(doc.text).tasks]
    doc.apply(action.edit)
    after = parse(doc.text)
    assert [t.id for t in after.tasks] == before and all(t.explicit_id for t in after.tasks)
    assert "- [ ] Polish the edges <!-- id: polish-the-edges-2 -->" in doc.text


async def test_folding_ranges_follow_edits(client: LanguageClient, repo: Path) -> None:
    doc = Doc(client, repo, "folding", PLAN)
    params = types.FoldingRangeParams(text_document=doc.id)
    spans = [
        (r.start_line, r.end_line)
        for r in await client.text_document_folding_range_async(params) or []
    ]
    assert spans == [(0, 11), (2, 7), (3, 4), (6, 7), (9, 11), (10, 11)]
    doc.change(PLAN.replace("  - files: a.py\n", ""))
    spans = [
        (r.start_line, r.end_line)
        for r in await client.text_document_folding_range_async(params) or []
    ]
    assert (3, 4) not in spans and (2, 6) in spans


async def test_inlay_hints_show_the_last_result(client: LanguageClient, repo: Path) -> None:
    doc = Doc(client, repo, "hints", PLAN)
    params = types.InlayHintParams(
        text_document=doc.id, range=types.Range(types.Position(0, 0), types.Position(12, 0))
    )
    assert not await client.text_document_inlay_hint_async(params)
    seen = client.seen  # type: ignore[attr-defined]
    before = seen["hint_refresh"]
    base = {"uri": doc.uri, "taskId": "T001", "title": "Build the parser"}
    passed = {**base, "status": "committed", "turns": 4, "costUsd": 0.031, "durationS": 134.2}
    await client.protocol.send_request_async("roadmapd/debug/setState", {"state": passed})
    failed = {**base, "taskId": "T003", "status": "failed", "problems": 3}
    await client.protocol.send_request_async("roadmapd/debug/setState", {"state": failed})
    await eventually(lambda: seen["hint_refresh"] > before, "a workspace/inlayHint/refresh")
    hints = await client.text_document_inlay_hint_async(params) or []
    found = {(h.position.line, h.position.character): h.label for h in hints}
    assert found == {(3, 27): "✓ 2m14s $0.03", (6, 21): "✗ 3 problems"}
    doc.change("Intro line.\n" + PLAN.replace("Build the parser", "Build it"))
    hints = await client.text_document_inlay_hint_async(params) or []
    assert [(h.position.line, h.position.character) for h in hints] == [(4, 19), (7, 21)]
