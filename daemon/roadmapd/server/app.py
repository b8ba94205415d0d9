"""The language server: `create_server` wires the features to one shared `RoadmapServer`.

The server answers every request from caches on the one asyncio loop. The engine plugs in
through two ports given to `create_server`: a `Controller` (commands) and `TaskStates` (what
lenses and hovers show); it reaches back through `server.diagnostics`, `server.task_progress`,
`server.checkbox` and the helpers in `notify`. Settings: project config, overridden by
initializationOptions, overridden by `workspace/configuration` (section "roadmapd").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from roadmapd import __version__
from roadmapd.config import Config, ConfigError, load_config

from . import commands, debug, hover, language, lens_cache, symbols, watch
from .controller import Controller, EngineDoor
from .diagnostics import DiagnosticsPublisher
from .documents import Documents, path_of
from .edits import CheckboxWriter
from .engine_loader import EngineLoader
from .lens_cache import LensCache
from .notify import notify_task_state
from .progress import ProgressReporter
from .protocol_fast import FastProtocol
from .state_sync import StateSync
from .states import TaskStates, TaskStateStore

log = logging.getLogger(__name__)
SECTION = "roadmapd"


class Background:
    """The server's own asyncio tasks: tracked, failures logged, cancelled on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background task %r failed", task.get_name(), exc_info=exc)

    async def shutdown(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class RoadmapServer(LanguageServer):
    def __init__(
        self,
        controller: Controller | None,
        states: TaskStates | None,
        load_engine: bool = False,
    ) -> None:
        super().__init__("roadmapd", __version__, protocol_cls=FastProtocol)
        self.engine = EngineDoor(controller)
        self.load_engine = load_engine and controller is None
        self.on_shutdown: list[Callable[[], Awaitable[None]]] = []
        self.states: TaskStates = states if states is not None else TaskStateStore()
        self.documents = Documents(lambda: self.workspace.text_documents)
        self.diagnostics = DiagnosticsPublisher(self.text_document_publish_diagnostics)
        self.background = Background()
        self.task_progress = ProgressReporter(self)
        self.checkbox = CheckboxWriter(self)
        self.config = Config()
        self.root: Path | None = None
        self.poller: asyncio.Task[Any] | None = None
        self.watch_registered = False
        self.watch_lock = asyncio.Lock()
        self._file_config = Config()
        self._init_options: dict[str, Any] = {}
        self._config_errors: list[str] = []
        self._shown: set[str] = set()  # roadmaps whose problems and lenses are shown
        self._lens_refresh_pending = False
        self.first_lenses = asyncio.Event()  # set once a codeLens request has been answered
        self.lens_cache = LensCache(self.states)
        self.state_sync = StateSync(
            lambda state: notify_task_state(self, state), self.request_lens_refresh
        )
        self.states.subscribe(self.state_sync.push)

    # --- configuration --------------------------------------------------------------------

    def load_settings(self, root: Path | None, init_options: Any) -> None:
        self.root = root
        if root is not None:
            try:
                self._file_config = load_config(root)
            except ConfigError as exc:
                self._config_errors.append(f"roadmapd: {exc} (using the defaults)")
        self._init_options = _settings_of(init_options, "initializationOptions")
        self._apply({})

    def _apply(self, editor_settings: Mapping[str, Any]) -> None:
        config = self._file_config
        for origin, overrides in (
            ("initializationOptions", self._init_options),
            ("workspace/configuration", editor_settings),
        ):
            try:
                config = config.merged(overrides, origin=origin) if overrides else config
            except ConfigError as exc:
                self._config_errors.append(f"roadmapd: {exc} (ignoring these settings)")
        self.config = config
        self.documents.configure(self.root, config.roadmaps)
        self.diagnostics.set_root(self.root)

    async def pull_settings(self) -> None:
        ws = self.client_capabilities.workspace
        if ws is None or not ws.configuration:
            return
        try:
            items = [types.ConfigurationItem(section=SECTION)]
            answer = await self.workspace_configuration_async(types.ConfigurationParams(items))
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return
        self._apply(_settings_of(answer[0] if answer else None, "workspace/configuration"))

    def report_config_errors(self) -> None:
        for message in self._config_errors:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))
        self._config_errors.clear()

    # --- refreshing -------------------------------------------------------------------------

    def refresh_document(self, uri: str) -> None:
        """Re-read `uri` (buffer or disk) and publish its roadmap problems; refresh lenses."""
        parsed = self.documents.get(uri)
        if parsed is None:
            self._shown.discard(uri)
            self.diagnostics.publish_roadmap_problems(uri, (), None)
        else:
            self._shown.add(uri)
            self.diagnostics.publish_roadmap_problems(uri, parsed.roadmap.problems, parsed.version)
        if not parsed or not parsed.is_open:
            self.request_lens_refresh()

    async def refresh_all(self) -> None:
        """Re-read every roadmap, including those that stopped being one (their problems go)."""
        for uri in sorted(set(await self.documents.scan()) | self._shown):
            self.refresh_document(uri)
        self.request_lens_refresh()

    def request_lens_refresh(self) -> None:
        """Ask the client to re-query lenses (coalesced; only if it supports the request)."""
        ws = self.client_capabilities.workspace
        if ws is None or ws.code_lens is None or not ws.code_lens.refresh_support:
            return
        if not self._lens_refresh_pending:
            self._lens_refresh_pending = True
            self.background.spawn(self._refresh_lenses(), "codeLens refresh")

    async def _refresh_lenses(self) -> None:
        await asyncio.sleep(0)
        self._lens_refresh_pending = False
        await self.workspace_code_lens_refresh_async(None)

    def lenses_served(self) -> None:
        self.first_lenses.set()


def _settings_of(value: Any, origin: str) -> dict[str, Any]:
    """The roadmapd settings in an options object: either `{"roadmapd": {...}}` or flat."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        log.warning(
            "%s: expected an object of roadmapd settings, got %s", origin, type(value).__name__
        )
        return {}
    inner = value.get(SECTION)
    return dict(inner) if isinstance(inner, dict) else dict(value)


def _root_of(params: types.InitializeParams) -> Path | None:
    uri = params.root_uri
    if uri is None and params.workspace_folders:
        uri = params.workspace_folders[0].uri
    if uri is None and params.root_path:
        return Path(params.root_path)
    return path_of(uri) if uri else None


def create_server(
    controller: Controller | None = None,
    states: TaskStates | None = None,
    load_engine: bool = False,
) -> RoadmapServer:
    """The roadmapd language server. Without a controller, commands answer a clear error.

    With `load_engine` (`roadmapd serve`), the engine's controller is built from the workspace
    root the client sends at `initialize`: imported in the background (`engine_loader`), it
    finishes opening the workspace in the background too.
    """
    server = RoadmapServer(controller, states, load_engine)

    @server.feature(types.INITIALIZE)
    def initialize(ls: RoadmapServer, params: types.InitializeParams) -> None:
        ls.load_settings(_root_of(params), params.initialization_options)
        if ls.load_engine:
            attach = lambda module: module.attach_engine(ls)  # noqa: E731
            ls.engine.build_with(EngineLoader(attach, ls.first_lenses, ls.background).controller)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: RoadmapServer, params: types.InitializedParams) -> None:
        await ls.pull_settings()
        ls.report_config_errors()
        await ls.refresh_all()
        await watch.start_watching(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def config_changed(ls: RoadmapServer, params: types.DidChangeConfigurationParams) -> None:
        await ls.pull_settings()
        ls.report_config_errors()
        await ls.refresh_all()
        await watch.start_watching(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RoadmapServer, params: types.DidOpenTextDocumentParams) -> None:
        if ls.documents.is_roadmap(params.text_document.uri):
            ls.refresh_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RoadmapServer, params: types.DidChangeTextDocumentParams) -> None:
        if ls.documents.is_roadmap(params.text_document.uri):
            ls.refresh_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RoadmapServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.forget(uri)
        if ls.documents.is_roadmap(uri):
            ls.refresh_document(uri)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: RoadmapServer, params: None) -> None:
        ls.state_sync.flush_all()
        for hook in ls.on_shutdown:
            await hook()
        await ls.background.shutdown()

    lens_cache.register(server)
    hover.register(server)
    symbols.register(server)
    commands.register(server)
    watch.register(server)
    debug.register(server)
    language.register(server)
    return server
