"""Folding ranges: each heading folds to the end of its section, each task with a body to the
end of its item. Plain JSON, computed once per parsed version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.roadmap import Roadmap

from . import occurrences
from .documents import json_list
from .rpc.protocol import RawJson

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents


def folding_ranges(roadmap: Roadmap, lines: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    headings = roadmap.headings
    last_line = len(lines) - 1
    for i, heading in enumerate(headings):
        end = next((h.line - 1 for h in headings[i + 1 :] if h.level <= heading.level), last_line)
        while end > heading.line and not lines[end].strip():
            end -= 1
        if end > heading.line:
            out.append({"startLine": heading.line, "endLine": end})
    for task in roadmap.tasks:
        if task.range.end.line > task.line:
            out.append({"startLine": task.line, "endLine": task.range.end.line})
    out.sort(key=lambda r: (r["startLine"], -r["endLine"]))
    return out


def register(server: LanguageServer, documents: Documents) -> None:
    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding(params: types.FoldingRangeParams) -> RawJson:
        uri = params.text_document.uri
        return json_list(
            documents, uri, "folding", lambda p: folding_ranges(p.roadmap, occurrences.of(p).lines)
        )
