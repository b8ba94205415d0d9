"""PR mode after a task is committed: push its branch, open its PR, keep the record.

Used by both faces: `roadmapd run` and the editor's engine adapter. With `commit_mode = "pr"`
(or `roadmapd run --branch-mode pr`) the engine commits each passed task to
`roadmap/<task>` off the base branch (`vcs/commit.py`); then `publish` pushes that branch to the
configured remote (`vcs/publish.py`) and opens the PR through the `PullRequests` port
(`vcs/pullrequests.py`: `gh` when installed and logged in, else the compare URL). Every outcome
is stored (`store/published.py`) and shown: a push or PR failure leaves the task committed on
its branch with `pushed: no — <reason>`; nothing is lost (the push can be repeated by hand:
`git push origin roadmap/<task>`; `roadmapd run` then exits 1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

from roadmapd.config import Config
from roadmapd.engine import ChecksFinished, Event, TaskOutcome
from roadmapd.roadmap import Roadmap, Task
from roadmapd.secrets import redact, secret_values
from roadmapd.store import published
from roadmapd.store.paths import StatePaths
from roadmapd.vcs.outcomes import VcsError
from roadmapd.vcs.publish import current_branch, push_branch, reachable_tasks, remote_url
from roadmapd.vcs.pullrequests import GhPullRequests, PullRequests, compare_url
from roadmapd.vcs.refs import pr_branch

BODY_MAX = 60_000  # GitHub refuses PR bodies over 65,536 characters


class ChecksMemo:
    """An event sink: the last checks' summary of each task (for the PR body)."""

    def __init__(self) -> None:
        self.summaries: dict[str, list[str]] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, ChecksFinished):
            lines = [event.summary.strip()] if event.summary.strip() else []
            for r in event.results:
                verdict = "passed" if r.passed else "failed"
                detail = f" ({r.summary})" if r.summary else ""
                lines.append(f"- `{r.command}`: {verdict}{detail}")
            self.summaries[event.task_id] = lines


def pr_body(task: Task, outcome: TaskOutcome, checks: list[str]) -> str:
    """The PR's description: the task, its acceptance criteria, the evidence, the checks."""
    parts = [f"Roadmap task `{task.id}`: {task.text or task.title}"]
    if task.body:
        parts.append("\n".join(task.body))
    if task.acceptance:
        parts.append("### Acceptance criteria\n" + "\n".join(f"- {a}" for a in task.acceptance))
    evidence = outcome.reason or "the checks passed (no further evidence recorded)"
    parts.append(f"### Evidence\n{evidence}")
    parts.append("### Checks\n" + ("\n".join(checks) if checks else "(no checks ran)"))
    plural = "s" if outcome.attempts != 1 else ""
    parts.append(f"Verified and committed by roadmapd after {outcome.attempts} attempt{plural}.")
    text = redact("\n\n".join(parts), secret_values())[:BODY_MAX]
    # last, so a squash message made from the PR's description keeps it for `roadmapd sync`
    return f"{text}\n\nRoadmap-Task: {task.id}\n"


def _hosts(root: Path) -> PullRequests | str:
    return GhPullRequests.find(root)


def publish(
    root: Path,
    paths: StatePaths,
    task: Task,
    outcome: TaskOutcome,
    *,
    remote: str,
    base: str | None,
    auto_merge: bool,
    checks: list[str],
    host: Callable[[Path], PullRequests | str] = _hosts,
) -> published.Published:
    """Push the task's branch and open its PR; the record (stored) says what happened.
    Never raises for git, gh or the state folder: the record carries the reason."""
    branch = pr_branch(task.id).removeprefix("refs/heads/")
    try:
        record = _publish(root, task, outcome, branch, remote, base, auto_merge, checks, host)
    except VcsError as exc:
        record = published.Published(task.id, branch, outcome.commit or "", remote, False,
                                     reason=str(exc), checked_at=published.now())  # fmt: skip
    try:
        published.save(paths, record)
    except OSError as exc:
        record = replace(record, reason=f"{record.reason} (record not saved: {exc})".strip())
    return record


def _publish(
    root: Path,
    task: Task,
    outcome: TaskOutcome,
    branch: str,
    remote: str,
    base: str | None,
    auto_merge: bool,
    checks: list[str],
    host: Callable[[Path], PullRequests | str],
) -> published.Published:
    target = base or current_branch(root) or "main"
    record = published.Published(
        task.id, branch, outcome.commit or "", remote, pushed=False, checked_at=published.now()
    )
    pushed = push_branch(root, remote, branch)
    if not pushed.ok:
        return replace(record, reason=pushed.reason)
    record = replace(record, pushed=True)
    gh = host(root)
    if isinstance(gh, str):
        url = compare_url(remote_url(root, remote) or "", base=target, head=branch)
        why = f"{gh}; open the PR at the compare URL" if url else f"{gh}; no web URL for {remote}"
        record = replace(record, pr_url=url, pr_state="not opened", reason=why)
    else:
        body = pr_body(task, outcome, checks)
        pr = gh.create(head=branch, base=target, title=task.title or task.id, body=body)
        reason = pr.detail
        if pr.url is not None and auto_merge:
            reason = gh.auto_merge(pr.url) or ""
        record = replace(record, pr_url=pr.url, pr_state=pr.state, reason=reason)
    return record


def report(record: published.Published, as_json: bool) -> str:
    if as_json:
        return json.dumps({"type": "Published", **asdict(record)}, ensure_ascii=False)
    return f"  {record.task_id}: {record.line()}"


def merged_as_done(root: Path, roadmap: Roadmap, base: str | None) -> Roadmap:
    """The roadmap with every task whose commit is on the base branch read as ticked: in PR
    mode a merged task is done before `sync` ticks its box (a runner that starts between the
    merge and the sync neither runs it again nor refuses its dependants)."""
    try:
        merged = reachable_tasks(root, f"refs/heads/{base}" if base else "HEAD")
    except VcsError:
        return roadmap  # e.g. no such base branch: the commit says so with its reason
    if not merged:
        return roadmap
    tasks = tuple(
        replace(t, checked=True) if t.id in merged and not t.checked else t for t in roadmap.tasks
    )
    by_id = {t.id: t for t in tasks}
    return Roadmap(tasks, roadmap.headings, roadmap.problems, roadmap.line_count, by_id)


def publish_outcomes(
    root: Path,
    paths: StatePaths,
    config: Config,
    tasks: Sequence[Task],
    outcomes: Sequence[TaskOutcome],
    checks: ChecksMemo,
) -> list[published.Published]:
    """`publish` for every task of `tasks` that `outcomes` says was committed."""
    by_id = {t.id: t for t in tasks}
    records = []
    for outcome in outcomes:
        task = by_id.get(outcome.task_id)
        if task is None or outcome.commit is None:
            continue
        record = publish(
            root, paths, task, outcome, remote=config.remote, base=config.base_branch,
            auto_merge=config.auto_merge, checks=checks.summaries.get(task.id, []),
        )  # fmt: skip
        records.append(record)
    return records
