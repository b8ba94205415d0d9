"""format_for_retry: the most relevant problems first, bounded, never silently cut."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from roadmapd.problems import Problem, Range, Severity
from roadmapd.verify import format_for_retry


def problem(
    file: str | None, line: int, message: str, severity: Severity = Severity.ERROR
) -> Problem:
    return Problem(message, Range.of_line(line, 4), severity, "ruff", "F401", file)


def test_errors_first_then_one_per_file_first() -> None:
    problems = [
        problem("a.py", 0, "warn a", Severity.WARNING),
        problem("a.py", 1, "a1"),
        problem("a.py", 2, "a2"),
        problem("b.py", 9, "b1"),
        problem(None, 0, "no tests ran"),
    ]
    text = format_for_retry(problems)
    assert text.splitlines() == [
        "a.py:2:5: [ruff F401] a1",
        "b.py:10:5: [ruff F401] b1",
        "[ruff F401] no tests ran",
        "a.py:3:5: [ruff F401] a2",
        "a.py:1:5: [ruff F401] warn a",
    ]


def test_bounded_with_a_count_of_the_rest() -> None:
    problems = [problem(f"f{i}.py", i, "x" * 50) for i in range(100)]
    text = format_for_retry(problems, max_chars=500)
    assert len(text) <= 500
    shown = text.count("[ruff F401]")
    assert text.endswith(f"... and {100 - shown} more")
    assert shown >= 5


def test_one_huge_problem_is_cut_not_dropped() -> None:
    text = format_for_retry([problem("a.py", 0, "y" * 10_000), problem("b.py", 0, "z")], 300)
    assert text.startswith("a.py:1:5: [ruff F401] yyy")
    assert text.endswith("... and 1 more") and len(text) <= 300


def test_nothing_to_say() -> None:
    assert format_for_retry([]) == ""


@given(
    st.lists(
        st.tuples(st.sampled_from(["a.py", "b.py", None]), st.text(max_size=300)), max_size=40
    ),
    st.integers(min_value=80, max_value=3000),
)
def test_never_longer_than_asked(items: list[tuple[str | None, str]], max_chars: int) -> None:
    text = format_for_retry([problem(f, 0, m) for f, m in items], max_chars)
    assert len(text) <= max_chars
    assert bool(text) == bool(items)
