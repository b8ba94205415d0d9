"""The shell tool for real: sandbox (bubblewrap), scrubbed environment, timeouts, cancellation."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from pathlib import Path

import pytest

from roadmapd.agent.editor import FileEditor
from roadmapd.agent.shell import Shell
from roadmapd.agent.tools import Toolbox
from roadmapd.containment.jail import JailSettings, Sandbox, make_sandbox

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def processes_with(marker: str) -> list[str]:
    """Command lines of live processes that contain `marker`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in text and "pytest" not in text:
            found.append(text)
    return found


async def sandboxed(workspace: Path, *, allow_network: bool = False) -> Shell:
    sandbox = await make_sandbox(JailSettings("require", allow_network=allow_network))
    assert sandbox.active, "bwrap is installed but does not work here"
    return Shell(workspace, sandbox, timeout_s=20, max_chars=4000)


@needs_bwrap
async def test_sandbox_allows_workspace_writes_and_blocks_the_rest(workspace: Path) -> None:
    shell = await sandboxed(workspace)
    home_probe = workspace.parent / "escaped.txt"
    result = await shell.run(
        f"echo ok > inside.txt; echo x > {home_probe}; echo y > .git/hooked; "
        "echo z > /tmp/private.txt && cat /tmp/private.txt"
    )
    assert (workspace / "inside.txt").read_text() == "ok\n"
    assert not home_probe.exists()
    assert not (workspace / ".git/hooked").exists()
    assert "Read-only file system" in result.output
    assert not Path("/tmp/private.txt").exists()


@needs_bwrap
@pytest.mark.parametrize("allow_network", [False, True])
async def test_sandbox_has_no_network_unless_allowed(workspace: Path, allow_network: bool) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        shell = await sandboxed(workspace, allow_network=allow_network)
        result = await shell.run(f"exec 3<>/dev/tcp/127.0.0.1/{port} && echo CONNECTED")
    finally:
        listener.close()
    assert ("CONNECTED" in result.output) is allow_network, result.output


@pytest.mark.parametrize("mode", ["off", "require"])
async def test_environment_is_an_allowlist(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    if mode == "require" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-leak-me")
    monkeypatch.setenv("FOO_TOKEN", "token-leak-me")
    monkeypatch.setenv("DB_PASSWORD", "pw-leak-me")
    monkeypatch.setenv("GH_PAT", "pat-leak-me")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:dburl-leak-me@db/x")
    monkeypatch.setenv("UNLISTED_SETTING", "unlisted-leak-me")
    monkeypatch.setenv("HARMLESS_SETTING", "kept-value")
    listed = ("HARMLESS_SETTING", "ANTHROPIC_API_KEY")  # the key is never passed, even if listed
    sandbox = await make_sandbox(JailSettings(mode, pass_env=listed))  # type: ignore[arg-type]
    shell = Shell(workspace, sandbox, timeout_s=20, max_chars=20000)
    result = await shell.run("env; printenv ANTHROPIC_API_KEY FOO_TOKEN; echo PATH=$PATH")
    assert "leak-me" not in result.output
    assert "kept-value" in result.output and "PATH=/" in result.output
    assert "\nCI=1\n" in f"\n{result.output}"


async def test_timeout_kills_the_whole_process_group(workspace: Path) -> None:
    shell = Shell(workspace, Sandbox(JailSettings("off"), None), timeout_s=0.5, max_chars=4000)
    first, second = f"sleep 771.{os.getpid()}", f"sleep 772.{os.getpid()}"
    result = await shell.run(f"{first} & {second}; echo never")
    assert result.timed_out and result.exit_code is None and "timed out" in result.output
    assert processes_with(first) == [] and processes_with(second) == []


async def test_background_children_do_not_outlive_the_command(workspace: Path) -> None:
    shell = Shell(workspace, Sandbox(JailSettings("off"), None), timeout_s=20, max_chars=4000)
    marker = f"sleep 773.{os.getpid()}"  # this run's own: suites may run side by side
    result = await shell.run(f"({marker} >/dev/null 2>&1 &); echo started")
    assert result.output == "started\n" and result.exit_code == 0
    await asyncio.sleep(0.1)
    assert processes_with(marker) == []


@pytest.mark.parametrize("mode", ["off", "require"])
async def test_cancelling_a_running_command_leaves_no_process(workspace: Path, mode: str) -> None:
    if mode == "require" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed")
    marker = "1000.25" if mode == "off" else "1000.75"
    shell = Shell(workspace, await make_sandbox(JailSettings(mode)), timeout_s=60, max_chars=4000)  # type: ignore[arg-type]
    task = asyncio.create_task(shell.run(f"sleep {marker}"))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if processes_with(f"sleep {marker}"):
            break
    assert processes_with(f"sleep {marker}"), "the command never started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.1)
    assert processes_with(f"sleep {marker}") == []


async def test_huge_output_keeps_head_and_tail(workspace: Path) -> None:
    shell = Shell(workspace, Sandbox(JailSettings("off"), None), timeout_s=20, max_chars=1000)
    result = await shell.run("seq 1 200000")
    assert len(result.output) <= 1000
    assert result.output.startswith("1\n2\n3\n") and result.output.endswith("199999\n200000\n")
    assert "bytes cut from the middle" in result.output


async def test_without_bwrap_auto_and_require_refuse_and_off_says_unsandboxed(
    workspace: Path,
) -> None:
    for mode in ("auto", "require"):
        refused = await make_sandbox(JailSettings(mode), bwrap=None)  # type: ignore[arg-type]
        assert (
            not refused.active
            and refused.refusal
            and "apt-get install bubblewrap" in refused.refusal
        )
        assert 'sandbox = "off"' in refused.refusal
        box = Toolbox(
            FileEditor(workspace, max_chars=1000),
            Shell(workspace, refused, timeout_s=5, max_chars=1000),
        )
        outcome = await box.run("bash", {"command": "touch refused.txt"})
        assert outcome.is_error and "no sandbox" in outcome.output
        assert not (workspace / "refused.txt").exists()
    broken = await make_sandbox(JailSettings("auto"), bwrap=str(workspace / "no-such-bwrap"))
    assert broken.refusal is not None
    off = await make_sandbox(JailSettings("off"))
    assert off.refusal is None and off.warning and "unsandboxed" in off.warning


async def test_bash_tool_reports_exit_codes_and_restart(workspace: Path) -> None:
    box = Toolbox(
        FileEditor(workspace, max_chars=1000),
        Shell(workspace, Sandbox(JailSettings("off"), None), timeout_s=5, max_chars=1000),
    )
    outcome = await box.run("bash", {"command": "echo oops >&2; exit 3"})
    assert not outcome.is_error and outcome.output == "oops\n\n[exit code 3]"
    outcome = await box.run("bash", {"restart": True})
    assert not outcome.is_error and "restarted" in outcome.output
    outcome = await box.run("bash", {})
    assert outcome.is_error and "command" in outcome.output


@needs_bwrap
async def test_a_tool_environment_under_tmp_stays_visible_in_the_jail(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The jail's /tmp is private; a venv there that PATH names (a CI clone's .venv) is bound
    back read-only, so the checks run with the same interpreter and packages."""
    env_bin = tmp_path / "tools-env" / "bin"
    env_bin.mkdir(parents=True)
    tool = env_bin / "roadmapd-test-tool"
    tool.write_text("#!/bin/sh\necho found the tool\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{env_bin}{os.pathsep}{os.environ['PATH']}")
    shell = await sandboxed(workspace)
    result = await shell.run('roadmapd-test-tool; touch "$(command -v roadmapd-test-tool)"2')
    assert "found the tool" in result.output
    assert not (env_bin / "roadmapd-test-tool2").exists()  # read-only
