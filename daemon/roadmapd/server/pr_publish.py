"""PR mode in the editor: after a run, push each committed task's branch and open its PR.

`PrPublisher` is an event sink of the editor's engine (it keeps each task's checks' summary for
the PR body, `publishing.ChecksMemo`) and, after a run with `commit_mode = "pr"`, calls
`publishing.publish` for every task the run committed, in a worker thread (git push and gh
never block the event loop), then tells the user where each task went
(`roadmapd: T1: pushed: yes to origin/roadmap/T1 · PR OPEN https://...`, a warning when the
push failed). The record it stores is what the hover shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from roadmapd.engine import Event
from roadmapd.publishing import ChecksMemo, publish

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from roadmapd.config import Config
    from roadmapd.engine import RunResult
    from roadmapd.roadmap import DocumentTask
    from roadmapd.workspace import Workspace


class PrPublisher:
    def __init__(self, client: LanguageServer) -> None:
        self._client = client
        self._checks = ChecksMemo()

    def __call__(self, event: Event) -> None:
        self._checks(event)

    async def after_run(
        self, ws: Workspace, config: Config, tasks: Sequence[DocumentTask], result: RunResult
    ) -> None:
        if config.commit_mode != "pr":
            return
        for pair in tasks:
            outcome = result.outcome(pair.id)
            if outcome is None or outcome.commit is None:
                continue
            record = await asyncio.to_thread(
                publish, ws.root, ws.store.paths, pair.task, outcome,
                remote=config.remote, base=config.base_branch, auto_merge=config.auto_merge,
                checks=self._checks.summaries.get(pair.id, []),
            )  # fmt: skip
            kind = types.MessageType.Info if record.pushed else types.MessageType.Warning
            line = f"roadmapd: {pair.id}: {record.line()}"
            self._client.window_show_message(types.ShowMessageParams(kind, line))
