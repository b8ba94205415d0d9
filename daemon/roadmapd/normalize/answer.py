"""What the model is asked to normalise a roadmap, and whether its answer is usable. Pure.

The answer must be the whole document between `<roadmap>` tags (a document may hold code fences
of its own, so tags rather than a fence). It is usable when it parses with no problem at all,
has at least one task, gives every task an explicit id, and keeps the original's headings in
their order; anything else is a list of readable problems that goes back to the model once.
"""

from __future__ import annotations

import re

from roadmapd.roadmap import Roadmap, parse

SYSTEM = """\
You convert a software project's free-form roadmap (prose, emoji statuses, tables or plain \
bullets) into a GitHub task list that the roadmapd tool can run. Rules:
- Keep every heading with its exact text and level, in the original order; keep the order of \
the work items; keep short introductory prose as it is.
- Each unit of work becomes one task line: `- [ ] T001 Title` (ids T001, T002, ... in document \
order, unique). One task per table row or bullet that describes work.
- Status: done (✅, "done", ~~struck through~~) -> `- [x]`; in progress or planned (🚧, ⏳, \
"WIP", "todo", "planned") -> `- [ ]`. Never put anything else inside the box.
- Under a task, indented two spaces, optional metadata bullets:
  `  - Depends: T001, T003` (only ids of tasks in your answer, never a cycle),
  `  - Files: path/a.py, path/b.py` (only paths the original names),
  `  - Acceptance: <one testable criterion taken from the original>`.
- Do not invent work the original does not describe.
Answer with the whole converted document between <roadmap> and </roadmap> and nothing else."""

_TAGGED = re.compile(r"<roadmap>\n?(.*)</roadmap>", re.S)
_FENCED = re.compile(r"\A```[\w-]*\n(.*)\n```\s*\Z", re.S)
MAX_SHOWN = 20  # problems listed in a retry prompt or an error


def prompt(original: str) -> str:
    return (
        f"<original>\n{original}\n</original>\n\n"
        "Convert this roadmap into a task list following the rules."
    )


def retry_prompt(original: str, answer: str, problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems[:MAX_SHOWN])
    return (
        f"{prompt(original)}\n\nYour previous answer was:\n<answer>\n{answer}\n</answer>\n"
        f"It cannot be used:\n{listed}\n"
        "Answer again with the whole corrected document between <roadmap> and </roadmap>."
    )


def extract(answer: str) -> str:
    """The document in the model's answer: between the tags, else inside one fence around the
    whole answer, else the answer itself."""
    tagged = _TAGGED.search(answer)
    if tagged is not None:
        return tagged.group(1)
    fenced = _FENCED.match(answer.strip())
    return fenced.group(1) + "\n" if fenced is not None else answer.strip() + "\n"


def check(original: Roadmap, text: str) -> tuple[Roadmap, list[str]]:
    """The answer's parse and what makes it unusable (empty when it is fine); lines 1-based."""
    result = parse(text)
    if not text.strip():
        return result, ["the answer is empty"]
    problems = [
        f"line {p.range.start.line + 1}: {p.message} ({p.code or p.source})"
        for p in result.problems
    ]
    if not result.tasks:
        problems.append("the answer has no task (`- [ ] T001 Title` lines)")
    problems += [
        f"line {t.line + 1}: task {t.title!r} has no id (write `- [ ] T001 {t.title}`)"
        for t in result.tasks
        if not t.explicit_id
    ]
    titles = iter([h.title for h in result.headings])
    for heading in original.headings:
        if heading.title not in titles:  # consumes: the headings must come in order
            problems.append(f"the heading {heading.title!r} is missing or out of order")
            break
    return result, problems


def fit_line_endings(original: str, text: str) -> str:
    """`text` with the original's line endings (CRLF stays CRLF) and final newline (or none)."""
    text = text.replace("\r\n", "\n").rstrip("\n")
    if original.endswith(("\n", "\r")) or not original:
        text += "\n"
    return text.replace("\n", "\r\n") if "\r\n" in original else text
