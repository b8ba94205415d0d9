"""What the agent is told when an attempt failed: retry with context (`Failure`: a failed
attempt, and the message that continues it).

The message holds the daemon's verdict (which checks failed, their parsed problems, most
relevant first and bounded by the formatter), the outputs of failed checks that yielded no
problem, and the diff so far (bounded by the git port). The problem formatter is a port
(`roadmapd.verify.format_for_retry` in production); `compact_problems` is the fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from roadmapd.problems import CheckReport, Problem

_TAIL_CHARS = 1500
NO_CHANGE = (
    "no changes were made: the working tree is exactly as it was before the task, so nothing "
    "was done (describing a change does not make it)"
)
WEAKENS = "weakens verification"
SURPRISES = "needs your approval to be committed"
REVIEW_CHANGES = "the reviewer requested changes"
AWAITING = "the checks passed; waiting for approval to commit"


def needs_a_person(refusal: str | None) -> bool:
    """A refusal a person may overrule (weakened verification, surprising files)."""
    return refusal is not None and refusal.startswith((WEAKENS, SURPRISES))


def review_finding_line(problem: Problem) -> str:
    """`file:line: message` of a reviewer's finding, for the retry prompt."""
    return f"- {problem.location()}: {problem.message}"


def compact_problems(problems: Sequence[Problem], max_chars: int) -> str:
    """Errors first, one line each (`file:line:col: [source] message`), cut at `max_chars`."""
    ranked = sorted(problems, key=lambda p: (p.severity, p.file or "", p.range.start.line))
    lines: list[str] = []
    used = 0
    for i, p in enumerate(ranked):
        line = f"{p.location()}: [{p.source}] {p.message.strip()}"
        if used + len(line) + 1 > max_chars:
            lines.append(f"... and {len(ranked) - i} more")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def summarize(report: CheckReport) -> str:
    """One line for the whole verification: `pytest: 3 passed, 1 failed; ruff: passed`."""
    if not report.results:
        return "no checks configured or detected"
    parts = []
    for r in report.results:
        verdict = r.summary or ("passed" if r.passed else f"failed (exit code {r.exit_code})")
        parts.append(f"{r.name}: {verdict}")
    return "; ".join(parts)


def checks_failed_message(
    report: CheckReport, formatted_problems: str, diff: str, *, attempt: int, max_attempts: int
) -> str:
    """The user turn that continues the conversation after the daemon's checks failed."""
    parts = [
        f"The daemon ran the checks itself and they FAILED (attempt {attempt} of "
        f"{max_attempts}): {summarize(report)}.",
        "Whatever the previous reply claimed, the task is not done. Fix the problems below, "
        "then stop; the daemon will run the checks again.",
    ]
    if formatted_problems:
        parts.append("Problems:\n" + formatted_problems)
    for r in report.results:
        if not r.passed and not r.problems and r.output_tail:
            parts.append(f"Output of {r.name} ({r.command}):\n{r.output_tail[-_TAIL_CHARS:]}")
    parts.append(_diff_section(diff))
    return "\n\n".join(parts)


def agent_failed_message(reason: str, diff: str, *, attempt: int, max_attempts: int) -> str:
    """The user turn after an attempt that ended without the model finishing on its own."""
    return "\n\n".join(
        [
            f"The previous attempt ({attempt} of {max_attempts}) ended early: {reason}. "
            "Continue the task with a different approach, then stop; the daemon will run "
            "the checks.",
            _diff_section(diff),
        ]
    )


def refused_message(
    reason: str, diff: str, *, attempt: int, max_attempts: int, then: str | None = None
) -> str:
    """The user turn after the daemon refused an attempt (`then`: what the checks said too)."""
    if reason.startswith(REVIEW_CHANGES):
        advice = "Address every finding of the review, keep the tests green, then stop."
    elif reason.startswith(SURPRISES):
        advice = (
            "Remove what the commit should not carry (large or binary files, files outside the "
            "task's Files:), or leave the task for a human to approve; then stop."
        )
    elif reason.startswith(WEAKENS):
        advice = (
            "Do not delete, skip or loosen tests, edit the check configuration or tick "
            "checkboxes: restore what you changed there, implement the task itself, then stop."
        )
    else:
        advice = (
            "Make the change the task asks for with the tools (edit or create the files), "
            "then stop; the daemon will check the working tree and run the checks."
        )
    parts = [f"The daemon did NOT accept attempt {attempt} of {max_attempts}: {reason}.", advice]
    parts.append(then if then is not None else _diff_section(diff))
    return "\n\n".join(parts)


def restart_context(previous: str) -> str:
    """Context for a fresh session after the working tree was restored to the checkpoint."""
    return (
        "An earlier attempt at this task failed and its changes were undone. "
        "What went wrong:\n\n" + previous
    )


def _diff_section(diff: str) -> str:
    if not diff.strip():
        return "Changes so far: none."
    return "Changes so far (diff against the state before the task):\n" + diff


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed attempt: what a restart is told (`summary`) and how to continue (`message`)."""

    summary: str
    report: CheckReport | None
    formatted: str
    attempt: int
    max_attempts: int
    refusal: str | None = None  # why the daemon refused the attempt whatever the checks said

    def message(self, diff: str) -> str:
        n, budget = self.attempt, self.max_attempts
        if self.refusal is not None and self.report is None:
            return refused_message(self.refusal, diff, attempt=n, max_attempts=budget)
        if self.report is None:
            return agent_failed_message(self.summary, diff, attempt=n, max_attempts=budget)
        checks = checks_failed_message(
            self.report, self.formatted, diff, attempt=n, max_attempts=budget
        )
        if self.refusal is None:
            return checks
        return refused_message(self.refusal, "", attempt=n, max_attempts=budget, then=checks)
