"""Property test: the scanner finds exactly the task items markdown-it-py finds (or, where
markdown-it-py deviates from CommonMark, those the CommonMark reference implementation finds).

Documents are random soups of Markdown lines (lists at several indents, block quotes, fences,
indented code, HTML blocks, tables, headings, setext underlines, front matter, look-alike boxes,
CRLF), which exercises container and leaf interplay far harder than real files do.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmapd.roadmap import parse

TITLES = ["foo", "**Bold** title", "T001 [P] x", "1.2 y", "`code` z", "x <!-- id: a -->"]
BOXES = ["[ ]", "[x]", "[X]", "[-]", "[]", "[ ]*", "[x]foo", "[ ]"]
MARKERS = ["-", "*", "+", "1.", "2.", "1)", "10."]
LEAVES = [
    "",
    "",
    "text",
    "more text",
    "# Heading",
    "## Closed ##",
    "---",
    "===",
    "***",
    "- - -",
    "```",
    "~~~",
    "```py",
    "<details>",
    "</details>",
    "<summary>x</summary>",
    "<!--",
    "-->",
    "<!-- c -->",
    "<div>",
    "| a | b |",
    "|---|---|",
    "| c | d |",
    "-",
    "1.",
    "    code",
]


@st.composite
def line(draw: st.DrawFn) -> str:
    indent = " " * draw(st.sampled_from([0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 8]))
    quote = draw(st.sampled_from(["", "", "", "", "> ", ">"]))
    if quote and len(indent) > 3:
        # markdown-it-py continues a block quote after 4+ spaces of indentation; CommonMark
        # (and GitHub) starts an indented code block there. We follow CommonMark.
        indent = indent[:3]
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return indent + quote + draw(st.sampled_from(LEAVES))
    marker = draw(st.sampled_from(MARKERS))
    gap = draw(st.sampled_from([" ", " ", "  ", "     "]))
    if kind == 1:
        return f"{indent}{quote}{marker}{gap}{draw(st.sampled_from(TITLES))}"
    box = draw(st.sampled_from(BOXES))
    nested = draw(st.sampled_from(["", "", "", "- ", "1. "]))
    return f"{indent}{quote}{marker}{gap}{nested}{box} {draw(st.sampled_from(TITLES))}"


@st.composite
def document(draw: st.DrawFn) -> str:
    lines = draw(st.lists(line(), min_size=1, max_size=25))
    if draw(st.booleans()):
        lines = ["---", "title: x", "- [ ] in front matter", "---", *lines]
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_tasks_match_markdown_it(
    oracle: Callable[[str], list[tuple[int, bool]]],
    reference: Callable[[str], list[tuple[int, bool]]],
    text: str,
) -> None:
    ours = [(t.line, t.checked) for t in parse(text).tasks]
    expected = oracle(text)
    if ours != expected:
        assert ours == reference(text), f"markdown-it-py: {expected}"


def test_a_lazy_line_indented_four_spaces_continues_the_paragraph(
    oracle: Callable[[str], list[tuple[int, bool]]],
    reference: Callable[[str], list[tuple[int, bool]]],
) -> None:
    """Found by the property test: markdown-it-py ends the lists at line 1 and reads lines 1-2
    as indented code; CommonMark (commonmark.js, cmark, GitHub) reads line 1 as lazy
    continuation text and line 2 as a second item of the nested list."""
    text = " 10. - [ ] foo\n    - foo\n     - [ ] foo"
    assert oracle(text) == [(0, False)]
    assert reference(text) == [(0, False), (2, False)]
    assert [(t.line, t.checked) for t in parse(text).tasks] == [(0, False), (2, False)]
