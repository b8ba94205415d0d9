"""PR mode's records as `roadmapd status` shows them: the stored record of each task, with
the state of its open PR read again through gh. Light: no engine, no SDK (status starts fast).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from roadmapd.store import published
from roadmapd.store.paths import StatePaths
from roadmapd.vcs.pullrequests import UNKNOWN, GhPullRequests, PullRequests


def _hosts(root: Path) -> PullRequests | str:
    return GhPullRequests.find(root)


FINAL_STATES = ("MERGED", "CLOSED")


def records(
    root: Path,
    paths: StatePaths,
    task_ids: list[str],
    host: Callable[[Path], PullRequests | str] = _hosts,
) -> dict[str, published.Published]:
    """The PR-mode records of these tasks, the state of each pushed branch's PR read again
    through gh (`gh pr view <branch> --json state,url`: also a PR opened by hand from the
    compare URL) and stored; `MERGED` and `CLOSED` are not asked again. Without gh the state
    shown is `unknown` (the stored record, which the hover shows, is left as it is)."""
    found = {i: r for i in task_ids if (r := published.load(paths, i)) is not None}
    stale = [r for r in found.values() if r.pushed and r.pr_state not in FINAL_STATES]
    if not stale:
        return found
    gh = host(root)
    for record in stale:
        if isinstance(gh, str):
            found[record.task_id] = replace(record, pr_state=UNKNOWN)
            continue
        seen = gh.view(record.branch)
        if seen.state == UNKNOWN and record.pr_state == "not opened":
            continue  # no PR for the branch yet: keep saying so
        fresh = replace(record.with_state(seen.state), pr_url=seen.url or record.pr_url)
        with contextlib.suppress(OSError):  # shown anyway; the next status asks again
            published.save(paths, fresh)
        found[record.task_id] = fresh
    return found


def as_row(record: published.Published | None) -> dict[str, object] | None:
    """The `pr` field of a `roadmapd status --json` row."""
    if record is None:
        return None
    return {
        "branch": record.branch,
        "remote": record.remote,
        "pushed": record.pushed,
        "url": record.pr_url,
        "state": record.pr_state,
        "reason": record.reason or None,
        "checked_at": record.checked_at,
    }
