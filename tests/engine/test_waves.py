"""`plan_waves`, the pure planner behind `roadmapd plan`: parsed roadmaps in, waves out."""

from __future__ import annotations

from roadmapd.engine.waves import plan_waves
from roadmapd.roadmap import parse

ROADMAP = """# Plan

- [ ] A <!-- id: a -->
- [ ] B <!-- id: b -->
  - Depends: a
- [ ] C <!-- id: c -->
  - Depends: d
- [ ] D <!-- id: d -->
  - Depends: c
- [ ] E <!-- id: e -->
  - Files: ./x.py
- [ ] F <!-- id: f -->
  - Files: `x.py`
"""


def _ids(waves: tuple[tuple[object, ...], ...]) -> list[list[str]]:
    return [[t.id for t in wave] for wave in waves]


def test_waves_cycles_and_files_written_differently() -> None:
    plan = plan_waves(parse(ROADMAP).tasks)
    assert _ids(plan.waves) == [["a", "e"], ["b", "f"]]  # ./x.py and `x.py` are one file
    assert {t.id: why for t, why in plan.blocked} == {
        "c": "depends on d (a cycle)",
        "d": "depends on c (a cycle)",
    }
    assert plan.uses_markers is False


def test_tasks_in_review_are_not_planned_and_hold_their_dependants() -> None:
    plan = plan_waves(parse(ROADMAP).tasks, done=(), in_review=("a",))
    assert _ids(plan.waves)[0] == ["e"]
    assert ("b", "waits for the merge of a (in review)") in {(t.id, why) for t, why in plan.blocked}
    merged = plan_waves(parse(ROADMAP).tasks, done=("a",), in_review=("a",))
    assert _ids(merged.waves)[0] == ["b", "e"]  # merged wins over a leftover branch
