"""tsc and ESLint parsers on outputs captured from the real tools (see fixtures/verify/README)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from roadmapd.problems import Problem, Severity
from roadmapd.verify import parse_check

FIXTURES = Path(__file__).parent.parent / "fixtures" / "verify"
TSC_EXPECTED = [
    ("src/a.ts", 0, 6, "TS2322"),
    ("src/a.ts", 4, 6, "TS2345"),
    ("src/a.ts", 5, 22, "TS2304"),
    ("src/b.ts", 3, 11, "TS2345"),
    ("src/c.ts", 1, 26, "TS2322"),
    ("src/d.ts", 0, 13, "TS2322"),
]


def _where(problems: Sequence[Problem]) -> list[tuple[str | None, int, int, str | None]]:
    return [(p.file, p.range.start.line, p.range.start.character, p.code) for p in problems]


def test_tsc_plain_output() -> None:
    root = FIXTURES / "tsc"
    output = (root / "output-plain.txt").read_text()
    problems = parse_check("tsc", output, root, source="tsc", exit_code=1).problems
    assert _where(problems) == TSC_EXPECTED
    assert problems[0].message == "Type 'string' is not assignable to type 'number'."
    assert problems[-1].message.splitlines() == [
        "Type '(x: string) => void' is not assignable to type '(x: number) => void'.",
        "Types of parameters 'x' and 'x' are incompatible.",
        "Type 'number' is not assignable to type 'string'.",
    ]
    assert all(p.severity is Severity.ERROR for p in problems)


def test_tsc_pretty_output_gives_the_same_problems() -> None:
    root = FIXTURES / "tsc"
    plain = parse_check("tsc", (root / "output-plain.txt").read_text(), root, source="tsc").problems
    pretty = parse_check(
        "tsc", (root / "output-pretty.txt").read_text(), root, source="tsc"
    ).problems
    assert pretty == plain


def test_tsc_global_error_has_no_file() -> None:
    root = FIXTURES / "tsc"
    output = (root / "output-global.txt").read_text()
    (problem,) = parse_check("tsc", output, root, source="tsc", exit_code=1).problems
    assert (problem.file, problem.code) == (None, "TS5058")
    assert "does not exist" in problem.message


def test_eslint_json_output(tmp_path: Path) -> None:
    output = (FIXTURES / "eslint" / "output.json").read_text().replace("@ROOT@", str(tmp_path))
    problems = parse_check("eslint", output, tmp_path, source="eslint", exit_code=1).problems
    assert _where(problems) == [
        ("lib/broken.js", 0, 9, "fatal"),
        ("lib/x.js", 0, 6, "no-unused-vars"),
        ("lib/x.js", 2, 8, "eqeqeq"),
        ("lib/x.js", 2, 26, "no-undef"),
        ("lib/x.js", 3, 2, "no-debugger"),
    ]
    severities = [p.severity for p in problems]
    assert severities == [Severity.ERROR, Severity.WARNING] + [Severity.ERROR] * 3
    unused = problems[1]
    assert (unused.range.end.line, unused.range.end.character) == (0, 12)
    assert unused.message == "'unused' is assigned a value but never used."


def test_eslint_paths_outside_the_workspace_are_kept_and_flagged(tmp_path: Path) -> None:
    output = (FIXTURES / "eslint" / "output.json").read_text().replace("@ROOT@", "/elsewhere")
    problems = parse_check("eslint", output, tmp_path, source="eslint", exit_code=1).problems
    assert problems[0].file == "/elsewhere/lib/broken.js"
    assert problems[0].message.endswith("(file outside the workspace)")
