"""The `textDocument/codeLens` handler and its cache: encoded lenses per task, per document.

A `DocumentLenses` belongs to one parsed version of one roadmap. It holds every task's lenses
as UTF-8 JSON (bytes: a byte per ASCII character, and written to the editor as they are), the
pending counts per section, and the assembled payload. A task state change
marks only that task (and the tasks that depend on it) dirty; the next request re-encodes those
rows, adjusts the counts, and joins the rows again (a bytes join, no JSON encoding of the
rest). A new document version starts from the previous one: when the edit kept the tasks'
ids, dependencies and headings (typing in a title, ticking a box), only the tasks the parser
rebuilt are redone; otherwise every row is rebuilt from the encoded rows kept by (task id,
ticked, state, waiting), with only the line number spliced in. Work happens when lenses are
asked for, never per state update.

For a big document and a client that resolves lenses (see `lens_resolve`), a task's lenses
carry only their range and `data` = "document number:index:task id"; the client asks for
the title and command of the lenses it shows with `codeLens/resolve`, answered by `command()`
from the same parse and states. The run-all and section lenses are always sent whole.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import time
from dataclasses import replace
from itertools import compress
from operator import is_not
from typing import TYPE_CHECKING

from lsprotocol import types

from roadmapd.roadmap import Task
from roadmapd.roadmap.parser import without_gc
from roadmapd.statuses import ACTIVE
from roadmapd_protocol import TaskState

from .documents import Parsed
from .lens_resolve import RESOLVE_FROM_TASKS, lens_ref, register_resolve, resolves_lenses
from .lenses import Lens, header_lenses, task_lenses
from .rpc.protocol import Utf8Json, encode
from .task_states import TaskStates
from .taskview import blocked_by, is_pending, sections

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .background import Background
    from .documents import Documents

log = logging.getLogger(__name__)
RowKey = tuple[str, bool, TaskState | None, tuple[str, ...]]
Template = list[bytes]  # a task's lenses (UTF-8 JSON), split where its line number goes


# noncharacters: they stand for the task's id and what it waits for in a shared shape
_ID, _WAITS = "\ufdd0id\ufdd0", "\ufdd0waits\ufdd0"
#: what `encode` (ensure_ascii off) escapes in a string; an id without any is its own JSON text
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')
#: (uri, ticked, document number, waits) -> the format of the lenses of a task without state
#: (`%(l)d`: its line, `%(i)b`: its id, `%(w)b`: the ids it waits for)
_SHAPES: dict[tuple[str, bool, int | None, bool], bytes] = {}


def _lenses(
    uri: str, task: Task, state: TaskState | None, waiting: list[str], doc_ref: int | None
) -> list[Lens]:
    """The task's lenses: whole, or (given a document number) range and resolve data only."""
    lenses = task_lenses(uri, task, state, waiting)
    if doc_ref is None:
        return lenses
    return [
        {"range": lens["range"], "data": lens_ref(doc_ref, j, task.id)}
        for j, lens in enumerate(lenses)
    ]


def _template(
    uri: str, task: Task, state: TaskState | None, waiting: list[str], doc_ref: int | None
) -> Template:
    """The task's lenses as UTF-8 JSON, split where its line number goes.

    Inside JSON strings every quote is escaped, so `"line":N,` only matches the ranges."""
    split = f'"line":{task.line},'.encode()
    return encode(_lenses(uri, task, state, waiting, doc_ref))[1:-1].encode().split(split)


def _json_text(text: str) -> bytes:
    """`text` as it stands inside a JSON string, in UTF-8 (most ids need no escape)."""
    return (encode(text)[1:-1] if _NEEDS_ESCAPE.search(text) else text).encode()


def _shaped_row(uri: str, task: Task, waiting: list[str], doc_ref: int | None) -> bytes:
    """The lenses of a task without state: its kind's format, encoded once, given the task's
    line, id and what it waits for (a cold build encodes a handful of shapes, not every task).
    """
    kind = (uri, task.checked, doc_ref, bool(waiting))
    shape = _SHAPES.get(kind)
    if shape is None:
        stand_in = replace(task, id=_ID, line=0)
        parts = _template(uri, stand_in, None, [_WAITS] if waiting else [], doc_ref)
        joined = b'"line":%(l)d,'.join(p.replace(b"%", b"%%") for p in parts)
        shape = joined.replace(_ID.encode(), b"%(i)b").replace(_WAITS.encode(), b"%(w)b")
        _SHAPES[kind] = shape
    waits = _json_text(", ".join(waiting)) if waiting else b""
    return shape % {b"l": task.line, b"i": _json_text(task.id), b"w": waits}


class DocumentLenses:
    """The lenses of one parsed document version, kept current per task."""

    def __init__(
        self,
        parsed: Parsed,
        states: TaskStates,
        templates: dict[RowKey, Template],
        *,
        doc_ref: int | None = None,
    ) -> None:
        """`doc_ref`: the document's number in the data of resolvable lenses; None sends
        every lens whole."""
        self.parsed = parsed
        self.doc_ref = doc_ref
        self._states = states
        self._templates = templates  # shared with the next version of the document
        tasks = parsed.roadmap.tasks
        n = len(tasks)
        self._at: dict[str, list[int]] = {}
        self._dependants: dict[str, list[int]] = {}
        groups: dict[tuple[str, ...], int] = {}  # tasks under the same headings share a group
        self._group: list[int] = [0] * n
        for i, task in enumerate(tasks):
            self._at.setdefault(task.id, []).append(i)
            for dep in task.depends:
                self._dependants.setdefault(dep, []).append(i)
            self._group[i] = groups.setdefault(task.headings, len(groups))
        self._group_total = [0] * len(groups)
        for g in self._group:
            self._group_total[g] += 1
        self._group_open = [0] * len(groups)
        # per section with tasks: the groups under it (a group's headings start with its path)
        under: dict[tuple[str, ...], list[int]] = {}
        for headings, g in groups.items():
            for depth in range(1, len(headings) + 1):
                under.setdefault(headings[:depth], []).append(g)
        self._sections = [(s, under[s.path]) for s in sections(parsed.roadmap) if s.path in under]
        self._keys: list[RowKey | None] = [None] * n
        self._rows: list[bytes] = [b""] * n  # each task's lenses, UTF-8 JSON without brackets
        self._pending: list[bool] = [False] * n
        self._flying: list[bool] = [False] * n  # queued, running, verifying, awaiting approval
        self._dirty: set[int] | None = None  # None: every row
        self._generation = -1
        self._header = b""
        self._payload: Utf8Json | None = None

    def changed(self, task_id: str, generation: int) -> None:
        """The state of `task_id` changed (cheap: the work is done at the next request)."""
        rows = [*self._at.get(task_id, ()), *self._dependants.get(task_id, ())]
        if self._generation == generation - 1 and self._dirty is not None:
            self._dirty.update(rows)
            self._generation = generation
        else:  # missed a change (e.g. a state forgotten): rebuild every row
            self._dirty = None
        self._payload = None

    def payload(self) -> Utf8Json:
        generation = self._states.generation(self.parsed.uri)
        if generation != self._generation:
            self._dirty, self._payload = None, None
        if self._payload is not None:
            return self._payload
        if not self._rows:
            self._payload = Utf8Json(b"[]")
            return self._payload
        started = time.perf_counter()
        rebuilt = len(self._rows) if self._dirty is None else len(self._dirty)
        if self._dirty is None:
            self._build_all()
            self._header = self._encode_header()
        elif any([self._update_row(i) for i in sorted(self._dirty)]):
            self._header = self._encode_header()
        self._dirty, self._generation = set(), generation
        self._payload = Utf8Json(b"[" + b",".join([self._header, *self._rows]) + b"]")
        elapsed = (time.perf_counter() - started) * 1000
        log.debug(
            "lenses of %s: %d of %d rows in %.1f ms",
            self.parsed.uri,
            rebuilt,
            len(self._rows),
            elapsed,
        )
        return self._payload

    def _build_all(self) -> None:
        uri, roadmap = self.parsed.uri, self.parsed.roadmap
        get, row = self._states.get, self._row
        keys, rows, pending, group = self._keys, self._rows, self._pending, self._group
        group_open = self._group_open = [0] * len(self._group_total)
        for i, task in enumerate(roadmap.tasks):
            state = get(uri, task.id)
            waiting = blocked_by(roadmap, uri, task, self._states) if task.depends else []
            key: RowKey = (task.id, task.checked, state, tuple(waiting))
            keys[i] = key
            rows[i] = row(task, state, waiting, key)
            pending[i] = is_pending(task, state)
            if pending[i]:
                group_open[group[i]] += 1
            self._flying[i] = state is not None and state.status in ACTIVE

    def _row(self, task: Task, state: TaskState | None, waiting: list[str], key: RowKey) -> bytes:
        """The encoded lenses of `task`: shaped, or from the rows kept by `key`."""
        if state is None:
            return _shaped_row(self.parsed.uri, task, waiting, self.doc_ref)
        template = self._templates.get(key)
        if template is None:
            template = _template(self.parsed.uri, task, state, waiting, self.doc_ref)
            self._templates[key] = template
        return f'"line":{task.line},'.encode().join(template)

    def _update_row(self, i: int) -> bool:
        """Bring row `i` up to date after a state change; True when its pending flag changed."""
        uri, roadmap = self.parsed.uri, self.parsed.roadmap
        task = roadmap.tasks[i]
        state = self._states.get(uri, task.id)
        waiting = blocked_by(roadmap, uri, task, self._states) if task.depends else []
        key: RowKey = (task.id, task.checked, state, tuple(waiting))
        old = self._keys[i]
        if key != old and old is not None:
            self._templates.pop(old, None)  # a state nobody shows any more
        self._keys[i] = key
        self._rows[i] = self._row(task, state, waiting, key)
        pending = is_pending(task, state)
        flying = state is not None and state.status in ACTIVE
        if flying != self._flying[i]:
            self._flying[i] = flying
            if pending == self._pending[i]:
                return True  # the header counts what is under way
        if pending == self._pending[i]:
            return False
        self._pending[i] = pending
        self._group_open[self._group[i]] += 1 if pending else -1
        return True

    def _encode_header(self) -> bytes:
        total, open_ = self._group_total, self._group_open
        counted = [
            (section, sum(total[g] for g in gs), sum(open_[g] for g in gs))
            for section, gs in self._sections
        ]
        n_tasks = len(self._rows)
        flying = sum(self._flying)
        header = header_lenses(self.parsed.uri, n_tasks, sum(open_), counted, flying)
        return encode(header)[1:-1].encode()

    def follow(self, parsed: Parsed) -> DocumentLenses:
        """The lenses of `parsed`, the document's next version, reusing what this one built."""
        return self._successor(parsed) or DocumentLenses(
            parsed, self._states, self._used(), doc_ref=self.doc_ref
        )

    def _successor(self, parsed: Parsed) -> DocumentLenses | None:
        """A copy that re-encodes only the tasks that changed (by the edit, or by a state change
        since the last request), when the edit kept every task's id, dependencies and headings,
        and every heading (the parser hands unchanged tasks over as the same objects); None when
        a full build is needed."""
        old, new = self.parsed.roadmap, parsed.roadmap
        # Rows marked by state changes not yet asked for (a task streams while the user types)
        # stay marked in the copy; a change this version missed means a full build.
        tracked = self._dirty is not None and self._generation == self._states.generation(
            parsed.uri
        )
        if not tracked or len(old.tasks) != len(new.tasks) or old.headings != new.headings:
            return None
        changed = list(compress(range(len(new.tasks)), map(is_not, new.tasks, old.tasks)))
        dirty = set(self._dirty or ()) | set(changed)
        for i in changed:
            a, b = new.tasks[i], old.tasks[i]
            if a.id != b.id or a.depends != b.depends or a.headings != b.headings:
                return None
            dirty.update(self._dependants.get(a.id, ()))
        successor = copy.copy(self)
        successor.parsed = parsed
        successor._keys, successor._rows = list(self._keys), list(self._rows)
        successor._pending, successor._group_open = list(self._pending), list(self._group_open)
        successor._flying = list(self._flying)
        successor._dirty, successor._payload = dirty, None
        return successor

    def command(self, task_id: str, line: int, index: int) -> Lens | None:
        """The command of the task's `index`th lens as it is now (of the task on `line` when
        the id is not unique); None when the task or that lens is gone."""
        rows = self._at.get(task_id)
        if not rows:
            return None
        tasks = self.parsed.roadmap.tasks
        task = next((tasks[i] for i in rows if tasks[i].line == line), tasks[rows[0]])
        uri, roadmap = self.parsed.uri, self.parsed.roadmap
        waiting = blocked_by(roadmap, uri, task, self._states) if task.depends else []
        lenses = task_lenses(uri, task, self._states.get(uri, task_id), waiting)
        if not 0 <= index < len(lenses):
            return None
        command: Lens = lenses[index]["command"]
        return command

    def _used(self) -> dict[RowKey, Template]:
        """The encoded rows this version uses (what a full build of the next may reuse)."""
        return {k: self._templates[k] for k in self._keys if k is not None and k in self._templates}


class LensCache:
    """The current `DocumentLenses` per uri; told about every task state change."""

    def __init__(self, states: TaskStates) -> None:
        self._states = states
        self._docs: dict[str, DocumentLenses] = {}
        self._refs: dict[str, int] = {}  # uri -> its number in lens data
        states.subscribe(self._on_state)

    def lenses(self, parsed: Parsed, *, resolvable: bool = False) -> Utf8Json:
        """The lenses of `parsed`; `resolvable`: the client resolves lenses, so a big document
        gets its task lenses without titles (see `lens_resolve.RESOLVE_FROM_TASKS`). Built with
        the cyclic garbage collector paused, as a parse is (the rows are acyclic strings)."""
        return without_gc(lambda: self._lenses(parsed, resolvable))

    def _lenses(self, parsed: Parsed, resolvable: bool) -> Utf8Json:
        big = len(parsed.roadmap.tasks) >= RESOLVE_FROM_TASKS
        doc_ref = self._refs.setdefault(parsed.uri, len(self._refs)) if resolvable and big else None
        doc = self._docs.get(parsed.uri)
        if doc is None or doc.doc_ref != doc_ref:
            doc = DocumentLenses(parsed, self._states, {}, doc_ref=doc_ref)
            self._docs[parsed.uri] = doc
        elif doc.parsed is not parsed:
            doc = self._docs[parsed.uri] = doc.follow(parsed)
        return doc.payload()

    def command(self, doc_ref: int, task_id: str, line: int, index: int) -> Lens | None:
        """The command of a lens sent without one (see `DocumentLenses.command`)."""
        uri = next((u for u, ref in self._refs.items() if ref == doc_ref), None)
        doc = self._docs.get(uri) if uri is not None else None
        return doc.command(task_id, line, index) if doc is not None else None

    def _on_state(self, state: TaskState) -> None:
        doc = self._docs.get(state.uri)
        if doc is not None:
            doc.changed(state.taskId, self._states.generation(state.uri))


class Lenses:
    """The codeLens feature: lenses from the cache, and the client asked to re-query them
    (coalesced) when what they show changed. `first_served` is set once a request has been
    answered (the engine starts loading after it)."""

    def __init__(
        self,
        server: LanguageServer,
        documents: Documents,
        states: TaskStates,
        background: Background,
    ) -> None:
        self._server, self._documents, self._background = server, documents, background
        self.cache = LensCache(states)
        self.first_served = asyncio.Event()
        self._refresh_pending = False

    def register(self, server: LanguageServer) -> None:
        @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=True))
        async def code_lens(params: types.CodeLensParams) -> Utf8Json:
            parsed = self._documents.get(params.text_document.uri)
            resolvable = resolves_lenses(server.client_capabilities)
            empty = Utf8Json(b"[]")
            payload = self.cache.lenses(parsed, resolvable=resolvable) if parsed else empty
            self.first_served.set()
            return payload

        register_resolve(server, self.cache.command)

    def request_refresh(self) -> None:
        """Ask the client to re-query lenses (coalesced; only if it supports the request)."""
        ws = self._server.client_capabilities.workspace
        if ws is None or ws.code_lens is None or not ws.code_lens.refresh_support:
            return
        if not self._refresh_pending:
            self._refresh_pending = True
            self._background.spawn(self._refresh(), "codeLens refresh")

    async def _refresh(self) -> None:
        await asyncio.sleep(0)
        self._refresh_pending = False
        await self._server.workspace_code_lens_refresh_async(None)
