"""Neovim 0.7 headless end to end: real editor, real server, a ROADMAP.md in a temp git repo.

Needs `nvim` (apt-get install -y neovim). A missing nvim fails the test with that hint. The
second test runs a task through the fake Messages API: a failing first attempt shows pytest's
problem on the test file, the retry passes, and Neovim applies the tick (workspace/applyEdit).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.lsp.engine_session import BAD, GIT_ENV, project

from roadmapd.store import ENV_STATE_DIR
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

ROADMAP = """\
# Plan

- [ ] T001 First task
- [ ] T002 Second task
- [ ] T003 Third task
  - depends: T404
"""

PRELUDE_LUA = r"""
local out_path, root, py = _G.OUT, _G.ROOT, _G.PY
local function start_roadmapd(...)
  return vim.lsp.start_client({
    name = "roadmapd",
    cmd = { py, "-m", "roadmapd.server", "--log-level", "WARNING", ... },
    cmd_env = _G.ENV,
    root_dir = root,
    handlers = {
      ["window/showMessageRequest"] = function() return vim.NIL end,
    },
  })
end
local function open_roadmap(client_id)
  vim.cmd("edit " .. root .. "/ROADMAP.md")
  local bufnr = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(bufnr, client_id)
  vim.wait(10000, function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized
  end, 50)
  return bufnr
end
local function lenses_of(bufnr)
  vim.wait(10000, function()
    vim.lsp.codelens.refresh()
    return #vim.lsp.codelens.get(bufnr) > 0
  end, 100)
  local lenses = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    local title = lens.command and lens.command.title or ""
    table.insert(lenses, { line = lens.range.start.line, title = title })
  end
  return lenses
end
local function finish(client_id, result)
  local f = io.open(out_path, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.lsp.stop_client(client_id)
  vim.cmd("qall!")
end
"""

LUA = r"""
local result = { lenses = {}, diagnostics = {} }
local client_id = start_roadmapd()
local bufnr = open_roadmap(client_id)
result.lenses = lenses_of(bufnr)
vim.wait(10000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(result.diagnostics, { line = d.lnum, message = d.message, source = d.source })
end
finish(client_id, result)
"""


def run_nvim(
    tmp_path: Path,
    root: Path,
    lua: str,
    server_env: dict[str, str] | None = None,
    *,
    timeout: int = 60,
) -> dict[str, Any]:
    """Run `lua` (after the prelude) in headless Neovim from `root`; the JSON result it wrote."""
    nvim = shutil.which("nvim")
    assert nvim, "nvim is not installed: run `apt-get install -y neovim` (0.7.2 or later)"
    out = tmp_path / "out.json"
    script = tmp_path / "test.lua"
    head = f"_G.OUT = {json.dumps(str(out))}\n_G.ROOT = {json.dumps(str(root))}\n"
    head += f"_G.PY = {json.dumps(sys.executable)}\n"
    if server_env is not None:
        head += f"_G.ENV = vim.fn.json_decode({json.dumps(json.dumps(server_env))})\n"
    script.write_text(head + PRELUDE_LUA + lua, encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {script}"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.exists(), f"nvim wrote no result (exit {proc.returncode}): {proc.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def test_neovim_shows_lenses_and_roadmap_diagnostics(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "ROADMAP.md").write_text(ROADMAP, encoding="utf-8")
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-C", str(root)]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    result = run_nvim(tmp_path, root, LUA)
    by_line: dict[int, list[str]] = {}
    for lens in result["lenses"]:
        by_line.setdefault(lens["line"], []).append(lens["title"])
    assert by_line[2] == ["▶ Run task"] and by_line[3] == ["▶ Run task"]
    assert by_line[4] == ["⏸ waits for T404"]
    assert "▶ Run all pending (3)" in by_line[0]
    (diag,) = result["diagnostics"]
    assert diag["line"] == 5 and diag["source"] == "roadmap" and "T404" in diag["message"]


RUN_LUA = r"""
local result = { lenses = {}, problems = {}, started = vim.NIL, line = "" }
local client_id = start_roadmapd()
local bufnr = open_roadmap(client_id)
local uri = vim.uri_from_bufnr(bufnr)
result.lenses = lenses_of(bufnr)
local client = vim.lsp.get_client_by_id(client_id)
local answer = client.request_sync("workspace/executeCommand", {
  command = "roadmapd.runTask", arguments = { { uri = uri, taskId = "T01" } },
}, 10000, bufnr)
result.started = answer and answer.result or vim.NIL
local test_buf = vim.uri_to_bufnr(vim.uri_from_fname(root .. "/test_calc.py"))
vim.wait(60000, function()
  for _, d in ipairs(vim.diagnostic.get(test_buf)) do
    table.insert(result.problems, { line = d.lnum, source = d.source, message = d.message })
  end
  result.line = vim.api.nvim_buf_get_lines(bufnr, 2, 3, false)[1]
  return result.line:find("%[x%]") ~= nil
end, 50)
finish(client_id, result)
"""


def test_neovim_runs_a_task_that_fails_once_then_ticks_the_box(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    editor = "str_replace_based_edit_tool"
    create = {"command": "create", "path": "calc.py", "file_text": BAD}
    fix = {"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"}
    fake = script(tool_use(editor, create), text("Done."), tool_use(editor, fix), text("Fixed."))
    with FakeServer(fake) as api:
        server_env = {
            **GIT_ENV,
            "ANTHROPIC_BASE_URL": api.url,
            "ANTHROPIC_API_KEY": "sk-test-key-0123456789",
            ENV_STATE_DIR: str(tmp_path / "roadmapd-state"),
        }
        result = run_nvim(tmp_path, root, RUN_LUA, server_env, timeout=90)
    assert {"line": 2, "title": "▶ Run task"} in result["lenses"]
    assert result["started"]["ok"], result["started"]
    assert result["problems"], "no diagnostics on test_calc.py after the failing first attempt"
    assert result["problems"][0]["source"] == "pytest"
    assert result["problems"][0]["line"] == 4
    assert result["line"].startswith("- [x] T01"), result["line"]


LANG_LUA = r"""
local result = { completion = {}, definition = vim.NIL, error = vim.NIL }
local client_id = start_roadmapd("--no-engine")
local ok, err = pcall(function()
  local bufnr = open_roadmap(client_id)
  local uri = vim.uri_from_bufnr(bufnr)
  local function first_result(method, params)
    local answers = vim.lsp.buf_request_sync(bufnr, method, params, 10000) or {}
    for _, answer in pairs(answers) do
      if type(answer.result) == "table" then return answer.result end
    end
    return nil
  end
  -- line 6 is "  - depends: T404": complete after "depends: "
  local items = {}
  vim.wait(10000, function()
    local answer = first_result("textDocument/completion", {
      textDocument = { uri = uri }, position = { line = 5, character = 13 },
    })
    items = answer and (answer.items or answer) or {}
    return #items > 0
  end, 100)
  for _, item in ipairs(items) do
    table.insert(result.completion, { label = item.label, detail = item.detail })
  end
  -- make T003 depend on T001, then jump from that id to the task
  vim.api.nvim_buf_set_lines(bufnr, 5, 6, false, { "  - depends: T001" })
  result.definition = first_result("textDocument/definition", {
    textDocument = { uri = uri }, position = { line = 5, character = 14 },
  }) or vim.NIL
end)
if not ok then result.error = tostring(err) end
finish(client_id, result)
"""


def test_neovim_completes_ids_and_jumps_to_a_dependency(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "ROADMAP.md").write_text(ROADMAP, encoding="utf-8")
    result = run_nvim(tmp_path, root, LANG_LUA)
    assert result["error"] is None, result["error"]
    assert [c["label"] for c in result["completion"]] == ["T001", "T002"]
    assert result["completion"][0]["detail"] == "First task · pending"
    definition = result["definition"]
    assert definition["uri"].endswith("/ROADMAP.md")
    assert definition["range"]["start"] == {"line": 2, "character": 6}
