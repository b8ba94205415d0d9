"""`codeLens/resolve`: titles and commands for the task lenses sent without them.

The lenses of a 10,000-task roadmap weigh about 1.9 MB with their titles and commands, and
decoding that dominates the time from an edit to fresh lenses. A client that resolves lenses
gets, for a document of at least `RESOLVE_FROM_TASKS` tasks, each task lens with only its range
and `data` = "document number:index:task id"; it asks for the few lenses it shows. Smaller
documents get whole lenses: resolving would only add round trips.

Which clients resolve: those that say so (`textDocument.codeLens.resolveSupport` listing
"command", e.g. Neovim 0.11), and VS Code's client, which announces dynamic registration for
code lenses and resolves the lenses in view whenever the server offers `resolveProvider`.
Neovim 0.7 announces neither and gets whole lenses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from .lenses import Lens

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

#: Documents with at least this many tasks get resolvable task lenses (when the client resolves).
RESOLVE_FROM_TASKS = 1000
_REF = re.compile(r"([0-9]{1,9}):([0-9]{1,4}):(.+)", re.DOTALL)


def resolves_lenses(caps: types.ClientCapabilities) -> bool:
    """Whether the client asks `codeLens/resolve` for lenses that come without a command."""
    lens = caps.text_document.code_lens if caps.text_document is not None else None
    if lens is None:
        return False
    support = lens.resolve_support
    return bool(lens.dynamic_registration) or (
        support is not None and "command" in support.properties
    )


def lens_ref(doc_ref: int, index: int, task_id: str) -> str:
    """The `data` of a lens sent without its command (a string: the fewest objects to decode)."""
    return f"{doc_ref}:{index}:{task_id}"


def lens_data(data: Any) -> tuple[int, str, int]:
    """The (document number, task id, index) in a lens's `data`; InvalidParams otherwise."""
    found = _REF.fullmatch(data) if isinstance(data, str) else None
    if found is None:
        raise JsonRpcInvalidParams(
            f'codeLens/resolve: expected data "document number:index:task id"; got {data!r:.200}'
        )
    return int(found[1]), found[3], int(found[2])


#: (document number, task id, line, index) -> the command of that lens (`LensCache.command`)
LensCommand = Callable[[int, str, int, int], "Lens | None"]


def register_resolve(server: LanguageServer, command_of: LensCommand) -> None:
    @server.feature(types.CODE_LENS_RESOLVE)
    def resolve(lens: types.CodeLens) -> Lens:
        doc_ref, task_id, index = lens_data(lens.data)
        start, end = lens.range.start, lens.range.end
        resolved: Lens = {
            "range": {
                "start": {"line": start.line, "character": start.character},
                "end": {"line": end.line, "character": end.character},
            },
            "data": lens.data,
        }
        command = command_of(doc_ref, task_id, start.line, index)
        if command is not None:  # else the task or that lens is gone: a refresh is on its way
            resolved["command"] = command
        return resolved
