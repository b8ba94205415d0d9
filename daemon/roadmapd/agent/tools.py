"""The two tools the model gets, as declared to the API and as executed against the workspace.

Against api.anthropic.com the Anthropic-defined tool types are declared (the model knows their
shapes); against any other base URL (local servers, proxies, the fake server) ordinary tools with
the same names and explicit JSON schemas. Input is validated by hand, so malformed calls, unknown
commands and unknown tool names come back as `is_error` results the model can act on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from roadmapd.agent.confinement import ToolError
from roadmapd.agent.editor import FileEditor
from roadmapd.agent.shell import Shell

EDITOR = "str_replace_based_edit_tool"
BASH = "bash"
ANTHROPIC_HOST = "api.anthropic.com"

BUILTIN_TOOLS: list[dict[str, Any]] = [
    {"type": "text_editor_20250728", "name": EDITOR},
    {"type": "bash_20250124", "name": BASH},
]

SCHEMA_TOOLS: list[dict[str, Any]] = [
    {
        "name": EDITOR,
        "description": (
            "View, create and edit files in the workspace. Paths are relative to the workspace "
            "root. view: a file with line numbers (optionally view_range [start, end], end -1 = "
            "to the end) or a directory listing; create: write file_text to path; str_replace: "
            "replace old_str, which must occur exactly once, with new_str; insert: insert new_str "
            "after line insert_line (0 = at the top)."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert"]},
                "path": {"type": "string"},
                "view_range": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 2,
                    "maxItems": 2,
                },
                "file_text": {"type": "string"},
                "old_str": {"type": "string"},
                "new_str": {"type": "string"},
                "insert_line": {"type": "integer"},
            },
            "required": ["command", "path"],
        },
    },
    {
        "name": BASH,
        "description": (
            "Run a bash command in the workspace root and get its output (stdout and stderr). "
            "Each command starts a fresh shell in the workspace root; it has a timeout and no "
            "interactive input. Use restart: true to reset the shell."
        ),
        "input_schema": {
            "type": "object",
            "properties": {"command": {"type": "string"}, "restart": {"type": "boolean"}},
        },
    },
]


def uses_builtin_tools(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").lower() == ANTHROPIC_HOST


def tool_definitions(base_url: str) -> list[dict[str, Any]]:
    return BUILTIN_TOOLS if uses_builtin_tools(base_url) else SCHEMA_TOOLS


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    output: str
    is_error: bool = False


_TYPE_NAMES = {str: "a string", int: "an integer", list: "a list", bool: "true or false"}


def _field(args: dict[str, Any], name: str, kind: type, where: str, *, required: bool) -> Any:
    if name not in args or (args[name] is None and not required):
        if required:
            raise ToolError(f"{where}: missing required field {name!r}")
        return None
    value = args[name]
    wrong_bool = isinstance(value, bool) and kind is not bool
    if wrong_bool or not isinstance(value, kind):
        raise ToolError(
            f"{where}: field {name!r} must be {_TYPE_NAMES[kind]}, got {type(value).__name__}"
        )
    return value


class Toolbox:
    def __init__(self, editor: FileEditor, shell: Shell) -> None:
        self.editor = editor
        self.shell = shell

    async def run(self, name: str, tool_input: object) -> ToolOutcome:
        try:
            if not isinstance(tool_input, dict):
                raise ToolError(f"{name}: input must be a JSON object")
            if name == EDITOR:
                return ToolOutcome(await self._edit(tool_input))
            if name == BASH:
                return await self._bash(tool_input)
            raise ToolError(f"unknown tool {name!r}; the available tools are {EDITOR} and {BASH}")
        except ToolError as exc:
            return ToolOutcome(str(exc), is_error=True)

    async def _edit(self, args: dict[str, Any]) -> str:
        command = _field(args, "command", str, EDITOR, required=True)
        where = f"{EDITOR}.{command}"
        path = _field(args, "path", str, where, required=True)
        editor = self.editor
        if command == "view":
            view_range = _field(args, "view_range", list, where, required=False)
            if view_range is not None and (
                len(view_range) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in view_range)
            ):
                raise ToolError(f"{where}: view_range must be two integers [start, end]")
            return await asyncio.to_thread(editor.view, path, view_range)
        if command == "create":
            text = _field(args, "file_text", str, where, required=True)
            return await asyncio.to_thread(editor.create, path, text)
        if command == "str_replace":
            old = _field(args, "old_str", str, where, required=True)
            new = _field(args, "new_str", str, where, required=False) or ""
            return await asyncio.to_thread(editor.str_replace, path, old, new)
        if command == "insert":
            line = _field(args, "insert_line", int, where, required=True)
            new = _field(args, "new_str", str, where, required=True)
            return await asyncio.to_thread(editor.insert, path, line, new)
        raise ToolError(
            f"{EDITOR}: unknown command {command!r}; use view, create, str_replace or insert"
        )

    async def _bash(self, args: dict[str, Any]) -> ToolOutcome:
        if _field(args, "restart", bool, BASH, required=False):
            return ToolOutcome("The shell was restarted (every command starts a fresh shell).")
        command = _field(args, "command", str, BASH, required=True)
        if not command.strip():
            raise ToolError(f"{BASH}: command is empty")
        refusal = self.shell.sandbox.refusal
        if refusal is not None:
            raise ToolError(refusal)
        result = await self.shell.run(command)
        if result.timed_out:
            return ToolOutcome(result.output, is_error=True)
        output = result.output or "(no output)"
        if result.exit_code:
            output += f"\n[exit code {result.exit_code}]"
        return ToolOutcome(output)
