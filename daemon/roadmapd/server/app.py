"""The composition root of the language server: the one place that lists the features and
gives each the few collaborators it needs.

`RoadmapServer` is the LSP endpoint (pygls's protocol state: capabilities, open buffers, the
wire) and nothing else; every feature owns its own state (`Lenses` its cache and refresh,
`Watch` its poller, `Settings` the merged config, ...). The engine is reached only through the
engine port (`EnginePort`) behind `EngineDoor`: given (tests), or built on first use after
the engine module was imported in the background (`engine_loader`), so `roadmapd serve` starts
light.
"""

from __future__ import annotations

from types import ModuleType

from pygls.lsp.server import LanguageServer

from roadmapd import __version__
from roadmapd.parse_cache import ParseCache

from . import (
    breakdown,
    code_actions,
    completion,
    folding,
    hover,
    inlay_hints,
    navigation,
    normalize,
    rename,
    symbols,
    task_list,
)
from .background import Background
from .commands import Commands
from .diagnostics import DiagnosticsPublisher
from .documents import Documents
from .edits import CheckboxWriter
from .engine_loader import EngineLoader
from .engine_port import EngineDoor, EnginePort
from .lens_cache import Lenses
from .lifecycle import Lifecycle
from .notify import notify_task_state
from .progress import ProgressReporter
from .refresh import Refresh
from .rpc.protocol import FastProtocol
from .settings import Settings
from .state_sync import StateSync
from .task_states import InMemoryTaskStates, TaskStates
from .test_hooks import TestHooks
from .watch import Watch


class RoadmapServer(LanguageServer):
    """The LSP endpoint: pygls's shared protocol state, no feature's state."""

    def __init__(self) -> None:
        super().__init__("roadmapd", __version__, protocol_cls=FastProtocol)


def create_server(
    engine_port: EnginePort | None = None,
    states: TaskStates | None = None,
    load_engine: bool = False,
    parse_cache: ParseCache | None = None,
) -> RoadmapServer:
    """The roadmapd language server. Without an engine port, commands answer a clear error.

    With `load_engine` (`roadmapd serve`), the engine adapter is built from the workspace
    root the client sends at `initialize`: imported in the background (`engine_loader`), it
    finishes opening the workspace in the background too.
    """
    server = RoadmapServer()
    background = Background()
    task_states: TaskStates = states if states is not None else InMemoryTaskStates()
    documents = Documents(lambda: server.workspace.text_documents, parse_cache)
    diagnostics = DiagnosticsPublisher(server.text_document_publish_diagnostics)
    engine = EngineDoor(engine_port)
    settings = Settings(server, documents, diagnostics)
    lenses = Lenses(server, documents, task_states, background)
    refresh = Refresh(documents, diagnostics, lenses.request_refresh)
    state_sync = StateSync(lambda state: notify_task_state(server, state), lenses.request_refresh)
    task_states.subscribe(state_sync.push)
    progress = ProgressReporter(server, background, engine)
    checkbox = CheckboxWriter(server, lambda: documents.kiro_globs)
    watch = Watch(server, documents, background, refresh.document)
    lifecycle = Lifecycle(settings, documents, refresh, watch, background)

    async def flush_states() -> None:
        state_sync.flush_all()

    lifecycle.on_shutdown.append(flush_states)

    if load_engine and engine_port is None:

        def attach(module: ModuleType) -> EnginePort:
            built = module.EngineAdapter(
                client=server,
                settings=settings,
                documents=documents,
                states=task_states,
                diagnostics=diagnostics,
                progress=progress,
                checkbox=checkbox,
                refresh=refresh.document,
                background=background,
            )
            lifecycle.on_shutdown.append(built.close)
            return built  # type: ignore[no-any-return]

        def start_loading() -> None:
            engine.build_with(EngineLoader(attach, lenses.first_served, background).port)

        lifecycle.on_initialize.append(start_loading)

    lifecycle.register(server)
    lenses.register(server)
    hover.register(server, documents, task_states, hover.published_lookup(lambda: settings.root))
    symbols.register(server, documents)
    task_list.register(server, documents, task_states)
    Commands(documents, task_states, engine).register(server)
    watch.register(server)
    completion.register(server, documents, task_states)
    navigation.register(server, documents)
    rename.register(server, documents)
    code_actions.register(server, documents)
    folding.register(server, documents)
    inlay_hints.register(server, documents, task_states, background)
    breakdown.register(server, documents, settings)
    normalize.register(server, documents, settings)
    TestHooks(documents, task_states, diagnostics, progress, checkbox, engine).register(server)
    return server
