"""Watching roadmap files that are not open, so outside edits refresh lenses and diagnostics.

When the client can register `workspace/didChangeWatchedFiles` dynamically, it watches the
configured roadmap globs for us; otherwise a small poller of our own stats the roadmap files
(the globs are re-expanded each round, so new files are found too).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING

from lsprotocol import types

from .documents import path_of

if TYPE_CHECKING:
    from .app import RoadmapServer

log = logging.getLogger(__name__)

REGISTRATION_ID = "roadmapd-watch-roadmaps"
POLL_INTERVAL_S = float(os.environ.get("ROADMAPD_POLL_INTERVAL", "1.0"))


def client_watches(ls: RoadmapServer) -> bool:
    ws = ls.client_capabilities.workspace
    dcw = ws.did_change_watched_files if ws is not None else None
    return bool(dcw is not None and dcw.dynamic_registration)


def _watchers(ls: RoadmapServer) -> list[types.FileSystemWatcher]:
    root = ls.documents.root
    if root is None:
        return []
    ws = ls.client_capabilities.workspace
    dcw = ws.did_change_watched_files if ws is not None else None
    relative = bool(dcw is not None and dcw.relative_pattern_support)
    base = root.as_uri()
    return [
        types.FileSystemWatcher(
            glob_pattern=types.RelativePattern(base_uri=base, pattern=glob)
            if relative
            else (root / glob).as_posix()
        )
        for glob in ls.documents.globs
    ]


async def start_watching(ls: RoadmapServer) -> None:
    """Watch the roadmap globs (again, after a configuration change).

    Serialised: `initialized` and the first `didChangeConfiguration` arrive together, and two
    overlapping registrations under one id would leak a watcher in the client.
    """
    async with ls.watch_lock:
        await _start_watching(ls)


async def _start_watching(ls: RoadmapServer) -> None:
    if not client_watches(ls):
        if ls.poller is None or ls.poller.done():
            ls.poller = ls.background.spawn(poll(ls), "roadmap poller")
        return
    if ls.watch_registered:
        unregister = types.Unregistration(
            id=REGISTRATION_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        )
        await ls.client_unregister_capability_async(types.UnregistrationParams([unregister]))
        ls.watch_registered = False
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=_watchers(ls))
    registration = types.Registration(
        id=REGISTRATION_ID,
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    await ls.client_register_capability_async(types.RegistrationParams([registration]))
    ls.watch_registered = True


def _disk_snapshot(ls: RoadmapServer) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every roadmap file on disk; runs in a worker thread."""
    seen: dict[str, tuple[int, int]] = {}
    for uri in ls.documents.scan_disk():
        path = path_of(uri)
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            continue
        if stat is not None:
            seen[uri] = (stat.st_mtime_ns, stat.st_size)
    return seen


async def poll(ls: RoadmapServer) -> None:
    before = await asyncio.to_thread(_disk_snapshot, ls)
    while True:
        await asyncio.sleep(POLL_INTERVAL_S)
        now = await asyncio.to_thread(_disk_snapshot, ls)
        changed = {u for u in before.keys() | now.keys() if before.get(u) != now.get(u)}
        for uri in sorted(changed):
            if uri not in ls.workspace.text_documents:
                ls.refresh_document(uri)
        before = now


def register(ls: RoadmapServer) -> None:
    @ls.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def changed(ls: RoadmapServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            if (
                ls.documents.is_roadmap(change.uri)
                and change.uri not in ls.workspace.text_documents
            ):
                ls.refresh_document(change.uri)
