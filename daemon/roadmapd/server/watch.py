"""Watching roadmap files that are not open, so outside edits refresh lenses and diagnostics.

When the client can register `workspace/didChangeWatchedFiles` dynamically, it watches the
configured roadmap globs for us; otherwise a small poller of our own stats the roadmap files
(the globs are re-expanded each round, so new files are found too).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .background import Background
from .documents import Documents, path_of

log = logging.getLogger(__name__)

REGISTRATION_ID = "roadmapd-watch-roadmaps"
POLL_INTERVAL_S = float(os.environ.get("ROADMAPD_POLL_INTERVAL", "1.0"))


class Watch:
    """Owns the watch: the client's registration or our poller."""

    def __init__(
        self,
        server: LanguageServer,
        documents: Documents,
        background: Background,
        refresh: Callable[[str], None],
    ) -> None:
        self._server, self._documents, self._background = server, documents, background
        self._refresh = refresh
        self._poller: asyncio.Task[Any] | None = None
        self._registered = False
        self._lock = asyncio.Lock()

    def register(self, server: LanguageServer) -> None:
        @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
        async def changed(params: types.DidChangeWatchedFilesParams) -> None:
            for change in params.changes:
                if (
                    self._documents.is_roadmap(change.uri)
                    and change.uri not in server.workspace.text_documents
                ):
                    self._refresh(change.uri)

    def _client_watches(self) -> bool:
        ws = self._server.client_capabilities.workspace
        dcw = ws.did_change_watched_files if ws is not None else None
        return bool(dcw is not None and dcw.dynamic_registration)

    def _watchers(self) -> list[types.FileSystemWatcher]:
        root = self._documents.root
        if root is None:
            return []
        ws = self._server.client_capabilities.workspace
        dcw = ws.did_change_watched_files if ws is not None else None
        relative = bool(dcw is not None and dcw.relative_pattern_support)
        base = root.as_uri()
        return [
            types.FileSystemWatcher(
                glob_pattern=types.RelativePattern(base_uri=base, pattern=glob)
                if relative
                else (root / glob).as_posix()
            )
            for glob in self._documents.globs
        ]

    async def start(self) -> None:
        """Watch the roadmap globs (again, after a configuration change).

        Serialised: `initialized` and the first `didChangeConfiguration` arrive together, and
        two overlapping registrations under one id would leak a watcher in the client.
        """
        async with self._lock:
            await self._start()

    async def _start(self) -> None:
        server = self._server
        if not self._client_watches():
            if self._poller is None or self._poller.done():
                self._poller = self._background.spawn(self._poll(), "roadmap poller")
            return
        if self._registered:
            unregister = types.Unregistration(
                id=REGISTRATION_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES
            )
            await server.client_unregister_capability_async(
                types.UnregistrationParams([unregister])
            )
            self._registered = False
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=self._watchers())
        registration = types.Registration(
            id=REGISTRATION_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        await server.client_register_capability_async(types.RegistrationParams([registration]))
        self._registered = True

    def _disk_snapshot(self) -> dict[str, tuple[int, int]]:
        """(mtime, size) of every roadmap file on disk; runs in a worker thread."""
        seen: dict[str, tuple[int, int]] = {}
        for uri in self._documents.scan_disk():
            path = path_of(uri)
            try:
                stat = path.stat() if path is not None else None
            except OSError:
                continue
            if stat is not None:
                seen[uri] = (stat.st_mtime_ns, stat.st_size)
        return seen

    async def _poll(self) -> None:
        before = await asyncio.to_thread(self._disk_snapshot)
        while True:
            await asyncio.sleep(POLL_INTERVAL_S)
            now = await asyncio.to_thread(self._disk_snapshot)
            changed = {u for u in before.keys() | now.keys() if before.get(u) != now.get(u)}
            for uri in sorted(changed):
                if uri not in self._server.workspace.text_documents:
                    self._refresh(uri)
            before = now
