"""The file editor and tool dispatch on a real workspace: edits, errors, confinement attacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmapd.agent.editor import FileEditor
from roadmapd.agent.shell import Shell
from roadmapd.agent.tools import (
    BUILTIN_TOOLS,
    SCHEMA_TOOLS,
    Toolbox,
    tool_definitions,
)
from roadmapd.containment.jail import JailSettings, Sandbox

EDIT = "str_replace_based_edit_tool"


@pytest.fixture
def box(workspace: Path) -> Toolbox:
    shell = Shell(workspace, Sandbox(JailSettings("off"), None), timeout_s=10, max_chars=2000)
    return Toolbox(FileEditor(workspace, max_chars=2000), shell)


async def edit(box: Toolbox, **args: object) -> tuple[str, bool]:
    outcome = await box.run(EDIT, dict(args))
    return outcome.output, outcome.is_error


async def test_create_view_replace_insert_change_the_file_on_disk(
    box: Toolbox, workspace: Path
) -> None:
    out, err = await edit(box, command="create", path="pkg/mod.py", file_text="a = 1\nb = 2\n")
    assert not err and "Created pkg/mod.py" in out
    out, err = await edit(
        box, command="str_replace", path="pkg/mod.py", old_str="b = 2", new_str="b = 3"
    )
    assert not err
    out, err = await edit(box, command="insert", path="pkg/mod.py", insert_line=0, new_str="# head")
    assert not err
    assert (workspace / "pkg/mod.py").read_text() == "# head\na = 1\nb = 3\n"
    out, err = await edit(box, command="view", path="pkg/mod.py", view_range=[2, -1])
    assert not err and out == "     2\ta = 1\n     3\tb = 3"
    out, err = await edit(box, command="view", path=".")
    assert not err and "pkg/mod.py" in out and "README.md" in out and ".git" not in out


async def test_str_replace_reports_no_match_and_several_matches(
    box: Toolbox, workspace: Path
) -> None:
    (workspace / "f.txt").write_text("x\ny\nx\nx\n")
    out, err = await edit(box, command="str_replace", path="f.txt", old_str="zzz", new_str="q")
    assert err and "no match" in out
    out, err = await edit(box, command="str_replace", path="f.txt", old_str="x", new_str="q")
    assert err and "3 times" in out and "lines 1, 3, 4" in out
    assert (workspace / "f.txt").read_text() == "x\ny\nx\nx\n"


async def test_crlf_files_keep_their_line_endings(box: Toolbox, workspace: Path) -> None:
    (workspace / "w.txt").write_bytes(b"one\r\ntwo\r\n")
    _, err = await edit(
        box, command="str_replace", path="w.txt", old_str="one\ntwo", new_str="1\n2"
    )
    assert not err
    _, err = await edit(box, command="insert", path="w.txt", insert_line=2, new_str="3")
    assert not err
    assert (workspace / "w.txt").read_bytes() == b"1\r\n2\r\n3\r\n"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({"command": "create", "path": "a.txt"}, "missing required field 'file_text'"),
        (
            {"command": "insert", "path": "a.txt", "insert_line": "2", "new_str": "x"},
            "must be an integer",
        ),
        ({"command": "view", "path": "README.md", "view_range": [1]}, "two integers"),
        ({"command": "view", "path": "README.md", "view_range": [5, 9]}, "has 1 lines"),
        ({"command": "undo_edit", "path": "README.md"}, "unknown command 'undo_edit'"),
        ({"path": "README.md"}, "missing required field 'command'"),
        ({"command": "view", "path": 7}, "must be a string"),
    ],
)
async def test_malformed_input_is_an_error_result(
    box: Toolbox, args: dict[str, object], needle: str
) -> None:
    out, err = await edit(box, **args)
    assert err and needle in out


async def test_unknown_tool_and_non_object_input(box: Toolbox) -> None:
    outcome = await box.run("python", {"code": "1"})
    assert outcome.is_error and "unknown tool 'python'" in outcome.output
    outcome = await box.run("bash", ["ls"])
    assert outcome.is_error and "JSON object" in outcome.output


async def test_paths_outside_the_workspace_are_refused(box: Toolbox, workspace: Path) -> None:
    outside = workspace.parent / "outside.txt"
    outside.write_text("secret")
    for path in ["../outside.txt", str(outside), "sub/../../outside.txt", "/etc/passwd"]:
        out, err = await edit(box, command="view", path=path)
        assert err and "outside the workspace" in out, path
    out, err = await edit(box, command="create", path="../evil.txt", file_text="x")
    assert err and not (workspace.parent / "evil.txt").exists()


async def test_symlink_escapes_are_refused(box: Toolbox, workspace: Path) -> None:
    outside = workspace.parent / "target"
    outside.mkdir()
    (outside / "data.txt").write_text("secret")
    (workspace / "link").symlink_to(outside)
    (workspace / "dangling").symlink_to(outside / "new.txt")
    out, err = await edit(box, command="view", path="link/data.txt")
    assert err and "outside the workspace" in out
    out, err = await edit(box, command="create", path="dangling", file_text="pwned")
    assert err and not (outside / "new.txt").exists()


async def test_git_directory_is_off_limits(box: Toolbox, workspace: Path) -> None:
    config = (workspace / ".git/config").read_text()
    out, err = await edit(box, command="view", path=".git/config")
    assert err and ".git/" in out
    out, err = await edit(box, command="create", path=".git/config", file_text="[core]\n")
    assert err
    (workspace / "cfg").symlink_to(workspace / ".git/config")
    out, err = await edit(box, command="str_replace", path="cfg", old_str="[core]", new_str="x")
    assert err and ".git/" in out
    assert (workspace / ".git/config").read_text() == config


async def test_long_files_are_cut_in_the_middle(box: Toolbox, workspace: Path) -> None:
    (workspace / "big.txt").write_text("".join(f"line {n}\n" for n in range(5000)))
    out, err = await edit(box, command="view", path="big.txt")
    assert not err and len(out) < 2200
    assert "line 0" in out and "line 4999" in out and "characters" in out and "cut" in out


def test_builtin_tool_types_only_against_anthropic() -> None:
    assert tool_definitions("https://api.anthropic.com") == BUILTIN_TOOLS
    assert tool_definitions("https://api.anthropic.com/") == BUILTIN_TOOLS
    assert tool_definitions("http://127.0.0.1:8080") == SCHEMA_TOOLS
    assert tool_definitions("https://api.anthropic.com.evil.example") == SCHEMA_TOOLS
    assert [t["name"] for t in SCHEMA_TOOLS] == [EDIT, "bash"]
    assert all(t["input_schema"]["type"] == "object" for t in SCHEMA_TOOLS)
