"""Re-reading a roadmap after it changed (buffer, disk or a tick): its problems are published
again and the client is asked for fresh lenses."""

from __future__ import annotations

from collections.abc import Callable

from .diagnostics import DiagnosticsPublisher
from .documents import Documents


class Refresh:
    def __init__(
        self,
        documents: Documents,
        diagnostics: DiagnosticsPublisher,
        request_lenses: Callable[[], None],
    ) -> None:
        self._documents, self._diagnostics = documents, diagnostics
        self._request_lenses = request_lenses
        self._shown: set[str] = set()  # roadmaps whose problems and lenses are shown

    def document(self, uri: str) -> None:
        """Re-read `uri` (buffer or disk) and publish its roadmap problems; refresh lenses."""
        parsed = self._documents.get(uri)
        if parsed is None:
            self._shown.discard(uri)
            self._diagnostics.publish_roadmap_problems(uri, (), None)
        else:
            self._shown.add(uri)
            self._diagnostics.publish_roadmap_problems(uri, parsed.roadmap.problems, parsed.version)
        if not parsed or not parsed.is_open:
            self._request_lenses()

    async def everything(self) -> None:
        """Re-read every roadmap, including those that stopped being one (their problems go)."""
        for uri in sorted(set(await self._documents.scan()) | self._shown):
            self.document(uri)
        self._request_lenses()
