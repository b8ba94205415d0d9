"""`roadmapd sync [ROADMAP.md] [--commit] [--base BRANCH] [--json]`: tick what was merged.

In PR mode a task's commit never holds its tick (two PRs ticking neighbouring lines would
conflict); once a task's commit is on the base branch, `sync` ticks its box. A task counts as
merged when a commit reachable from the base (HEAD by default) carries its `Roadmap-Task:`
line: a merge commit's second parent, a rebase's copy and a squash commit whose message kept the
trailer all do (see docs/ci.md). The ticks are one atomic write of the roadmap
(`checkbox.tick_many_on_disk`); `--commit` makes one commit "roadmapd: tick N tasks" with a
`Roadmap-Ticked:` trailer (`vcs/ticks.py`). Running it again finds nothing to do.
"""

from __future__ import annotations

import json
from pathlib import Path

from roadmapd.checkbox import tick_many_on_disk
from roadmapd.console.common import EXIT_OK, CommandError, read_project, show_path
from roadmapd.vcs.outcomes import VcsError
from roadmapd.vcs.publish import current_branch, reachable_tasks, resolve
from roadmapd.vcs.ticks import commit_ticks, head_blob


def sync_command(roadmap: str | None, *, commit: bool, base: str | None, as_json: bool) -> int:
    project = read_project(roadmap)
    root, path = project.workspace.root, project.roadmap_path
    rev = base or "HEAD"
    if base is not None and resolve(root, base) is None:
        raise CommandError(f"--base {base}: no such branch or commit")
    if commit and base is not None and base != current_branch(root):
        raise CommandError(
            f"--commit commits on the current branch ({current_branch(root) or 'detached HEAD'}); "
            f"check out {base} first, or sync without --commit"
        )
    rel = path.relative_to(root).as_posix()
    if commit and head_blob(root, rel) != path.read_bytes():
        raise CommandError(
            f"{rel} has uncommitted changes; commit or stash them first, so that the tick "
            "commit holds only ticks"
        )
    try:
        merged = reachable_tasks(root, rev)
    except VcsError as exc:
        raise CommandError(str(exc)) from exc
    wanted = [t.id for t in project.roadmap.tasks if t.id in merged and not t.checked]
    try:
        ticked = tick_many_on_disk(path, wanted, project.workspace.config.kiro_roadmaps)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{show_path(path)}: could not tick: {exc}") from exc
    made: str | None = None
    if commit and ticked:
        try:
            made = commit_ticks(root, rel, path.read_bytes(), ticked)
        except VcsError as exc:
            raise CommandError(f"ticked {len(ticked)} tasks but did not commit: {exc}") from exc
    _report(path, ticked, made, as_json)
    return EXIT_OK


def _report(path: Path, ticked: list[str], commit: str | None, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"roadmap": str(path), "ticked": ticked, "commit": commit}))
        return
    where = show_path(path)
    if not ticked:
        print(f"{where}: nothing to tick (every merged task is ticked)")
        return
    done = f"; committed {commit[:10]}" if commit else ""
    print(f"{where}: ticked {len(ticked)} task(s): {', '.join(ticked)}{done}")
