"""Document symbols: headings and tasks as a nested outline, as plain JSON.

Headings nest by level; tasks nest under their parent task, else under the nearest heading.
A symbol's range runs to the end of its last descendant so that editors fold it correctly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.roadmap import Heading, Roadmap, Task

from .documents import json_list
from .rpc.protocol import RawJson

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents

Symbol = dict[str, Any]
_HEADING = int(types.SymbolKind.Namespace)
_TASK_OPEN = int(types.SymbolKind.Event)
_TASK_DONE = int(types.SymbolKind.Boolean)


def _range(start: int, end: int) -> dict[str, Any]:
    return {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}


def _symbol(name: str, detail: str, kind: int, line: int) -> Symbol:
    return {
        "name": name or "(untitled)",
        "detail": detail,
        "kind": kind,
        "range": _range(line, line),
        "selectionRange": _range(line, line),
        "children": [],
    }


def _close(symbol: Symbol) -> int:
    """Stretch `symbol` over its descendants; return its last line."""
    end: int = symbol["range"]["end"]["line"]
    for child in symbol["children"]:
        end = max(end, _close(child))
    symbol["range"]["end"]["line"] = end
    return end


def document_symbols(roadmap: Roadmap) -> list[Symbol]:
    items: list[tuple[int, int, Heading | Task]] = [(h.line, 0, h) for h in roadmap.headings]
    items += [(t.line, 1, t) for t in roadmap.tasks]
    items.sort(key=lambda item: (item[0], item[1]))
    top: list[Symbol] = []
    headings: list[tuple[int, Symbol]] = []  # (level, symbol) stack
    tasks: dict[str, Symbol] = {}
    for line, _, node in items:
        parent: Symbol | None
        if isinstance(node, Heading):
            while headings and headings[-1][0] >= node.level:
                headings.pop()
            sym = _symbol(node.title, "", _HEADING, line)
            parent = headings[-1][1] if headings else None
            headings.append((node.level, sym))
        else:
            kind = _TASK_DONE if node.checked else _TASK_OPEN
            sym = _symbol(node.title, node.id, kind, line)
            tasks[node.id] = sym
            parent = tasks.get(node.parent) if node.parent else None
            if parent is None and headings:
                parent = headings[-1][1]
        (parent["children"] if parent is not None else top).append(sym)
    for sym in top:
        _close(sym)
    return top


def register(server: LanguageServer, documents: Documents) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def symbols(params: types.DocumentSymbolParams) -> RawJson:
        uri = params.text_document.uri
        return json_list(documents, uri, "symbols", lambda p: document_symbols(p.roadmap))
