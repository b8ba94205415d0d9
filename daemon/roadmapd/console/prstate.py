"""PR mode's records as `roadmapd status` shows them: the stored record of each task, with
the state of its open PR read again through gh. Light: no engine, no SDK (status starts fast).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from roadmapd.store import published
from roadmapd.store.paths import StatePaths
from roadmapd.vcs.pullrequests import GhPullRequests, PullRequests


def _hosts(root: Path) -> PullRequests | str:
    return GhPullRequests.find(root)


FINAL_STATES = ("MERGED", "CLOSED")


def records(
    root: Path,
    paths: StatePaths,
    task_ids: list[str],
    host: Callable[[Path], PullRequests | str] = _hosts,
) -> dict[str, published.Published]:
    """The PR-mode records of these tasks, with the state of every open PR read again through
    gh (`gh pr view --json state,url`) and stored; final states and records without a PR are
    not asked again; without gh the stored state stands (the hover shows the stored one)."""
    found = {i: r for i in task_ids if (r := published.load(paths, i)) is not None}
    stale = [r for r in found.values() if r.pr_state == "OPEN" and r.pr_url]
    if not stale:
        return found
    gh = host(root)
    if isinstance(gh, str):
        return found
    for record in stale:
        seen = gh.view(record.pr_url or "")
        fresh = record.with_state(seen.state)
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
