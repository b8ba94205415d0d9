"""The server's settings: the project config, overridden by initializationOptions, overridden by
`workspace/configuration` (section "roadmapd"). Errors are shown once, then the defaults (or the
settings without the bad part) are used.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from roadmapd.config import Config, ConfigError, load_config

from .diagnostics import DiagnosticsPublisher
from .documents import Documents

log = logging.getLogger(__name__)
SECTION = "roadmapd"


class Settings:
    """`config` and `root`, as the client and the project file say; tells `documents` and
    `diagnostics` about them."""

    def __init__(
        self, server: LanguageServer, documents: Documents, diagnostics: DiagnosticsPublisher
    ) -> None:
        self._server = server
        self._documents, self._diagnostics = documents, diagnostics
        self.config = Config()
        self.root: Path | None = None
        self._file_config = Config()
        self._init_options: dict[str, Any] = {}
        self._errors: list[str] = []

    def load(self, root: Path | None, init_options: Any) -> None:
        self.root = root
        if root is not None:
            try:
                self._file_config = load_config(root)
            except ConfigError as exc:
                self._errors.append(f"roadmapd: {exc} (using the defaults)")
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
                self._errors.append(f"roadmapd: {exc} (ignoring these settings)")
        self.config = config
        self._documents.configure(self.root, config.roadmaps, config.kiro_roadmaps)
        self._diagnostics.set_root(self.root)

    async def pull(self) -> None:
        """Ask the client for its settings (when it can answer)."""
        ws = self._server.client_capabilities.workspace
        if ws is None or not ws.configuration:
            return
        try:
            items = [types.ConfigurationItem(section=SECTION)]
            answer = await self._server.workspace_configuration_async(
                types.ConfigurationParams(items)
            )
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return
        self._apply(_settings_of(answer[0] if answer else None, "workspace/configuration"))

    def report_errors(self) -> None:
        for message in self._errors:
            self._server.window_show_message(
                types.ShowMessageParams(types.MessageType.Error, message)
            )
        self._errors.clear()


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
