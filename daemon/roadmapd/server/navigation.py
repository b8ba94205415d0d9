"""Go to definition (a dependency id -> its task) and find references (a task -> its dependants).

The cursor may be on an id in a `Depends:` line or anywhere on a task's line. References are
the `Depends:` entries that name the task, plus the task's own id when the client asks for the
declaration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from . import occurrences
from .occurrences import Occurrences

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents


def definition(occ: Occurrences, uri: str, line: int, character: int) -> dict[str, Any] | None:
    """The location of the task named under the cursor (None off an id or for an unknown id)."""
    task = occ.task_at(line, character)
    if task is None:
        return None
    return {"uri": uri, "range": occ.written_id(task).span.lsp_range(occ.lines)}


def references(
    occ: Occurrences, uri: str, line: int, character: int, include_declaration: bool
) -> list[dict[str, Any]] | None:
    """Every `Depends:` entry naming the task under the cursor (and its id, if asked)."""
    target = occ.task_at(line, character)
    if target is None:
        return None
    out = []
    if include_declaration:
        out.append({"uri": uri, "range": occ.written_id(target).span.lsp_range(occ.lines)})
    for ref in occ.by_target.get(target.id, ()):
        out.append({"uri": uri, "range": ref.token.inner.lsp_range(occ.lines)})
    return out


def register(server: LanguageServer, documents: Documents) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def goto_definition(params: types.DefinitionParams) -> Any:
        uri = params.text_document.uri
        occ = occurrences.of_open(documents, uri)
        if occ is None:
            return None
        pos = params.position
        return definition(occ, uri, pos.line, pos.character)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def find_references(params: types.ReferenceParams) -> Any:
        uri = params.text_document.uri
        occ = occurrences.of_open(documents, uri)
        if occ is None:
            return None
        pos, declaration = params.position, params.context.include_declaration
        return references(occ, uri, pos.line, pos.character, declaration)
