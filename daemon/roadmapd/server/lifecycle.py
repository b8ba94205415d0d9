"""The session and document lifecycle: initialize (settings, then whatever waits for the
workspace root, such as the engine), initialized and configuration changes (settings pulled,
every roadmap re-read, the watch started), didOpen/didChange/didClose, and shutdown (pending
state notifications flushed, the engine closed, background work cancelled)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .background import Background
from .documents import Documents, path_of
from .refresh import Refresh
from .settings import Settings
from .watch import Watch


class Lifecycle:
    def __init__(
        self,
        settings: Settings,
        documents: Documents,
        refresh: Refresh,
        watch: Watch,
        background: Background,
    ) -> None:
        self._settings, self._documents = settings, documents
        self._refresh, self._watch, self._background = refresh, watch, background
        self.on_initialize: list[Callable[[], None]] = []  # once the root and settings are known
        self.on_shutdown: list[Callable[[], Awaitable[None]]] = []

    def register(self, server: LanguageServer) -> None:
        @server.feature(types.INITIALIZE)
        def initialize(params: types.InitializeParams) -> None:
            self._settings.load(_root_of(params), params.initialization_options)
            for hook in self.on_initialize:
                hook()

        @server.feature(types.INITIALIZED)
        async def initialized(params: types.InitializedParams) -> None:
            await self._settings_changed()

        @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
        async def config_changed(params: types.DidChangeConfigurationParams) -> None:
            await self._settings_changed()

        @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
        def did_open(params: types.DidOpenTextDocumentParams) -> None:
            if self._documents.is_roadmap(params.text_document.uri):
                self._refresh.document(params.text_document.uri)

        @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
        def did_change(params: types.DidChangeTextDocumentParams) -> None:
            if self._documents.is_roadmap(params.text_document.uri):
                self._refresh.document(params.text_document.uri)

        @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
        def did_close(params: types.DidCloseTextDocumentParams) -> None:
            uri = params.text_document.uri
            self._documents.forget(uri)
            if self._documents.is_roadmap(uri):
                self._refresh.document(uri)

        @server.feature(types.SHUTDOWN)
        async def shutdown(params: None) -> None:
            for hook in self.on_shutdown:
                await hook()
            await self._background.shutdown()

    async def _settings_changed(self) -> None:
        await self._settings.pull()
        self._settings.report_errors()
        await self._refresh.everything()
        await self._watch.start()


def _root_of(params: types.InitializeParams) -> Path | None:
    uri = params.root_uri
    if uri is None and params.workspace_folders:
        uri = params.workspace_folders[0].uri
    if uri is None and params.root_path:
        return Path(params.root_path)
    return path_of(uri) if uri else None
