"""Task fields (range, box, body, depth) and the checkbox edit, as an editor would use them."""

from __future__ import annotations

import pytest

from roadmapd.problems import Position, Range
from roadmapd.roadmap import (
    CheckboxEdit,
    TextEdit,
    apply_edit,
    checkbox_edit,
    parse,
    task_to_json,
    tick_edit,
)

DOC = (
    "# Plan\n"
    "\n"
    "- [ ] 🚀 Launch\n"
    "  Some detail\n"
    "  - Verify: pytest -q\n"
    "\n"
    "  ```sh\n"
    "  make demo\n"
    "  ```\n"
    "- [x] Done 😀\n"
)


def test_range_box_and_body() -> None:
    launch, done = parse(DOC).tasks
    assert launch.box == Range(Position(2, 2), Position(2, 5))
    assert launch.range == Range(Position(2, 0), Position(8, 5))
    assert launch.body == ("Some detail", "- Verify: pytest -q", "", "```sh", "make demo", "```")
    assert launch.verify == ("pytest -q",)
    # "Done 😀" + "- [x] " = 6 + 5 ASCII + the emoji's 2 UTF-16 units
    assert done.range.end == Position(9, 13) and done.body == ()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_tick_and_untick_change_one_character(newline: str) -> None:
    text = DOC.replace("\n", newline)
    launch = parse(text).tasks[0]
    edit = tick_edit(text, launch, True)
    assert edit == TextEdit(Range(Position(2, 3), Position(2, 4)), "x")
    ticked = apply_edit(text, edit)
    assert ticked == text.replace("- [ ] 🚀", "- [x] 🚀")
    assert [t.checked for t in parse(ticked).tasks] == [True, True]
    unticked = apply_edit(ticked, tick_edit(ticked, parse(ticked).tasks[1], False))
    assert unticked == ticked.replace("- [x] Done", "- [ ] Done")


def test_checkbox_edit_finds_the_task_by_id_and_changes_only_what_differs() -> None:
    text = "- [ ] T001 a\r\n- [x] T002 b\r\n"
    assert checkbox_edit(text, "T003", True) == CheckboxEdit(found=False, edit=None)
    assert checkbox_edit(text, "T002", True) == CheckboxEdit(found=True, edit=None)
    change = checkbox_edit(text, "T002", False)
    assert change.found and change.edit is not None
    assert apply_edit(text, change.edit) == "- [ ] T001 a\r\n- [ ] T002 b\r\n"


def test_tick_edit_refuses_a_stale_document() -> None:
    (task,) = parse("- [ ] a\n").tasks
    with pytest.raises(ValueError, match="no longer has its checkbox"):
        tick_edit("moved\n- [ ] a\n", task, True)


def test_apply_edit_counts_utf16_units_and_clamps() -> None:
    text = "a😀b\nz"
    assert apply_edit(text, TextEdit(Range(Position(0, 3), Position(0, 4)), "B")) == "a😀B\nz"
    assert apply_edit(text, TextEdit(Range(Position(9, 0), Position(9, 0)), "!")) == text + "!"


def test_task_to_json_is_plain_data() -> None:
    launch = parse(DOC).tasks[0]
    data = task_to_json(launch)
    assert data["id"] == "launch" and data["title"] == "🚀 Launch" and data["headings"] == ["Plan"]
    assert data["verify"] == ["pytest -q"] and data["parent"] is None
    assert data["box"] == {"start": {"line": 2, "character": 2}, "end": {"line": 2, "character": 5}}
    assert set(data) >= {
        "id",
        "title",
        "line",
        "checked",
        "depth",
        "depends",
        "files",
        "acceptance",
    }
