"""The pure half of normalising: where the document is in the model's answer, what makes it
unusable (the problems that go back to the model), and the original's line endings kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmapd.normalize.answer import check, extract, fit_line_endings, retry_prompt
from roadmapd.roadmap import parse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "freeform"
STYLES = ("prose", "emoji", "table", "bullets")


def test_the_document_is_taken_from_tags_a_fence_or_the_whole_answer() -> None:
    doc = "# A\n\n```md\n- [ ] T001 x\n```\n- [ ] T002 y\n"
    assert extract(f"Here it is:\n<roadmap>\n{doc}</roadmap>\nDone.") == doc
    assert extract(f"```markdown\n{doc.rstrip()}\n```\n") == doc
    assert extract(f"  {doc}  \n\n") == doc


@pytest.mark.parametrize("style", STYLES)
def test_the_fixtures_answers_are_usable(style: str) -> None:
    original = parse((FIXTURES / f"{style}.md").read_text(encoding="utf-8"))
    assert original.tasks == ()  # free-form: nothing GitHub would render as a checkbox
    result, problems = check(original, (FIXTURES / f"{style}.tasks.md").read_text("utf-8"))
    assert problems == [] and result.tasks and all(t.explicit_id for t in result.tasks)


def test_what_makes_an_answer_unusable() -> None:
    original = parse("# Plan\n\nprose\n\n## Later\n\nmore\n")
    assert check(original, " \n")[1] == ["the answer is empty"]
    _, problems = check(original, "# Plan\n\nprose\n")
    assert problems == [
        "the answer has no task (`- [ ] T001 Title` lines)",
        "the heading 'Later' is missing or out of order",
    ]
    swapped = "## Later\n\n- [ ] T001 a\n\n# Plan\n\n- [ ] T002 b\n"
    assert check(original, swapped)[1] == ["the heading 'Later' is missing or out of order"]
    _, problems = check(original, "# Plan\n\n- [ ] Write it\n- [-] T002 b\n\n## Later\n")
    assert problems[0].startswith("line 4: ") and "(not-a-task)" in problems[0]
    assert problems[1] == "line 3: task 'Write it' has no id (write `- [ ] T001 Write it`)"
    dup = "# Plan\n- [ ] T001 a\n- [ ] T001 b\n  - Depends: T404\n## Later\n"
    _, problems = check(original, dup)
    assert any("(duplicate-id)" in p for p in problems)
    assert any("(unknown-dependency)" in p and "T404" in p for p in problems)
    prompt = retry_prompt("orig", "the answer", problems)
    assert "<answer>\nthe answer\n</answer>" in prompt and all(p in prompt for p in problems)


def test_line_endings_and_the_final_newline_follow_the_original() -> None:
    assert fit_line_endings("a\r\nb\r\n", "x\ny\n") == "x\r\ny\r\n"
    assert fit_line_endings("a\nb", "x\ny\n\n") == "x\ny"
    assert fit_line_endings("a\n", "x\r\ny") == "x\ny\n"
