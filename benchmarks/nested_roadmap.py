"""A deterministic nested roadmap for the benchmarks: `nested_roadmap(20_000)`.

The shape of a big real plan, not of a list: phases (`##`) of sections (`###`), each section an
intro paragraph, a `**Files**:` line and now and then a fenced example; top-level tasks with an
explicit id (`T00001`), a two-line description, `Depends:` / `Files:` / `Acceptance:` lines
(an `Acceptance:` list every third task) and a code block every fifth; their sub-tasks (derived
ids, i.e. slugs of their titles) to depth 3 with metadata of their own. Every fifth task is
ticked. The same `tasks` always gives the same text; the count is exact.
"""

from __future__ import annotations

_TEXT = "parse scan lens commit verify rollback cache index token stream retry budget sandbox"
WORDS = (_TEXT + " journal prompt review merge branch checkpoint transcript").split()
GROUP = 5  # tasks per top-level task: itself, 2 sub-tasks, 2 sub-sub-tasks under the first
GROUPS_PER_SECTION = 4
SECTIONS_PER_PHASE = 5


def _words(seed: int, count: int) -> str:
    return " ".join(WORDS[(seed * 7 + k * 3) % len(WORDS)] for k in range(count))


def _box(n: int) -> str:
    return "[x]" if n % 5 == 4 else "[ ]"


def _group(g: int, first: int) -> list[str]:
    """Top-level task number `g` (1-based) and its sub-tasks; `first` is its task number."""
    tid = f"T{g:05d}"
    out = [f"- {_box(first)} {tid} Implement the {_words(g, 3)} path for module {g}"]
    out += [
        f"  The {_words(g + 1, 2)} stage reads its input once and keeps the result, so a",
        f"  second pass over module {g} costs nothing; see the design notes for the why.",
    ]
    if g > 1:
        out.append(f"  - Depends: T{g - 1:05d}" + (f", T{g // 2:05d}" if g % 7 == 0 else ""))
    out.append(f"  - Files: src/mod{g // 10}/part{g}.py, tests/test_part{g}.py")
    if g % 3 == 0:
        out += [
            "  - Acceptance:",
            f"    - handles {_words(g + 2, 2)} input",
            "    - never raises on a malformed line",
        ]
    else:
        out.append(f"  - Acceptance: `pytest tests/test_part{g}.py` passes")
    if g % 5 == 0:
        out += [
            "",
            "  ```python",
            f"  def part_{g}(text: str) -> list[str]:",
            "      - [ ] not a task: inside a fence",
            "      return text.splitlines()",
            "  ```",
            "",
        ]
    sub = f"{_words(g + 3, 2)} layer of part {g}"
    out += [
        f"  - {_box(first + 1)} Write the {sub}",
        f"    Keep the {_words(g + 4, 2)} contract of part {g} stable.",
        f"    - Files: src/mod{g // 10}/layer{g}.py",
        f"    - {_box(first + 2)} Cover the {_words(g + 5, 2)} case of part {g}",
        f"      - Acceptance: a test for case {g}a fails before and passes after",
        f"    - {_box(first + 3)} Cover the {_words(g + 6, 2)} edge of part {g}",
        f"  - {_box(first + 4)} Document the {_words(g + 7, 2)} of part {g}",
        f"    - Depends: {tid}",
    ]
    return out


def nested_roadmap(tasks: int) -> str:
    """A roadmap of exactly `tasks` tasks (a multiple of 5 is all groups; the rest are leaves)."""
    out = ["# Project Roadmap", "", "The plan for the whole product, phase by phase.", ""]
    groups, rest = divmod(tasks, GROUP)
    for g in range(1, groups + 1):
        if (g - 1) % (GROUPS_PER_SECTION * SECTIONS_PER_PHASE) == 0:
            phase = (g - 1) // (GROUPS_PER_SECTION * SECTIONS_PER_PHASE) + 1
            out += [f"## Phase {phase}: {_words(phase, 2).title()}", ""]
        if (g - 1) % GROUPS_PER_SECTION == 0:
            section = (g - 1) // GROUPS_PER_SECTION + 1
            out += [f"### {section}. {_words(section, 3).capitalize()}", ""]
            out += [f"This section brings the {_words(section + 1, 2)} work together.", ""]
            out += [f"**Files**: `src/mod{section}/`", ""]
            if section % 4 == 0:
                out += ["```toml", f"[section{section}]", 'run = "- [ ] not a task"', "```", ""]
        out += _group(g, (g - 1) * GROUP)
        out.append("")
    if rest:
        out += ["## Loose ends", ""]
        out += [f"- [ ] Tidy loose end {k + 1} of the plan" for k in range(rest)]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(nested_roadmap(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
