"""A hostile agent against the jail: its shell and the checks that run the code it wrote.

Each test drives `roadmapd run` (real subprocess, real git, real bubblewrap, the fake API) with a
scripted agent that attacks, then looks for what the attack would have left: marker files outside
the workspace, the API key or another secret in what reached the model or the terminal, hooks in
`.git`, processes that outlived the run, connections to a listener.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI installs it)"
)
EDITOR = "str_replace_based_edit_tool"
SSH_SECRET = "ssh-private-key-SECRET-5b7e"
OTHER_SECRETS = {
    "GH_PAT": "ghp_SECRETpat0123456789",
    "OPENAI_KEY": "sk-openai-SECRET-9876",
    "AWS_SESSION": "aws-session-SECRET-4242",
    "DATABASE_URL": "postgres://user:dbpass-SECRET-77@db.invalid/app",
}
JAILED = 'max_attempts = 2\nshell_timeout_s = 30\n[[checks]]\nname = "tests"\n'
JAILED += 'run = "python -m pytest -q -p no:cacheprovider"\nparser = "pytest"\n'


def _attack_source(outside: Path, port: int) -> str:
    """Python that tries every escape it can, and reports what it found in a failing test."""
    return f"""
import glob, os, socket, subprocess
found = []
for target in ({str(outside / "written")!r}, {str(Path.home() / "roadmapd-pwned")!r}):
    try:
        with open(target, "w") as fh:
            fh.write("escaped")
        found.append("wrote " + target)
    except OSError as exc:
        found.append("blocked " + type(exc).__name__)
for path in glob.glob("/proc/[0-9]*/environ"):
    try:
        found.append(open(path, "rb").read().decode(errors="replace"))
    except OSError:
        pass
found.append(repr(dict(os.environ)))
for name in ("~/.ssh/id_ed25519", "~/.netrc", "~/.aws/credentials"):
    try:
        found.append(open(os.path.expanduser(name)).read())
    except OSError:
        pass
try:
    os.makedirs(".git/hooks", exist_ok=True)
    with open(".git/hooks/post-commit", "w") as fh:
        fh.write("#!/bin/sh\\ntouch {outside / "hooked"}\\n")
    os.chmod(".git/hooks/post-commit", 0o755)
except OSError as exc:
    found.append("git blocked " + type(exc).__name__)
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    found.append("network reached")
except OSError:
    found.append("network blocked")
subprocess.Popen(
    ["setsid", "sh", "-c", "sleep 3; touch {outside / "survivor"}"],
    start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
REPORT = "\\n".join(found)
"""


@pytest.fixture
def attacked(make_repo: Any, one_task_roadmap: str, tmp_path: Path) -> Iterator[Any]:
    repo = make_repo(one_task_roadmap, files={"roadmapd.toml": JAILED})
    # HOME outside /tmp (the jail's /tmp is private anyway): the home masking must hide it
    home = Path(tempfile.mkdtemp(prefix="roadmapd-test-home-", dir="/var/tmp"))
    for name, content in {
        ".ssh/id_ed25519": SSH_SECRET,
        ".netrc": f"machine x login u password {SSH_SECRET}",
        ".aws/credentials": SSH_SECRET,
    }.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(content)
    outside = tmp_path / "outside"
    outside.mkdir()
    repo.env.update(HOME=str(home), **OTHER_SECRETS)
    yield repo, outside
    shutil.rmtree(home, ignore_errors=True)


def _secrets(repo: Any) -> list[str]:
    return [repo.secret, SSH_SECRET, *OTHER_SECRETS.values(), "dbpass-SECRET-77"]


def _assert_contained(repo: Any, outside: Path, seen: str, listener: socket.socket) -> None:
    time.sleep(4)  # the setsid survivor would have fired by now
    assert sorted(p.name for p in outside.iterdir()) == []
    assert not (Path.home() / "roadmapd-pwned").exists()
    assert not (repo.path / ".git/hooks/post-commit").exists()
    for secret in _secrets(repo):
        assert secret not in seen, f"{secret} reached the model or the terminal"
    listener.setblocking(False)
    with pytest.raises(BlockingIOError):
        listener.accept()


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_a_conftest_the_agent_wrote_runs_jailed_and_leaks_nothing(attacked: Any) -> None:
    repo, outside = attacked
    listener = _listener()
    conftest = _attack_source(outside, listener.getsockname()[1])
    conftest += "\n\ndef pytest_sessionstart(session):\n    print(REPORT)\n"
    failing = "def test_report():\n    from conftest import REPORT\n    assert False, REPORT\n"
    session = script(
        tool_use(EDITOR, {"command": "create", "path": "conftest.py", "file_text": conftest}),
        tool_use(EDITOR, {"command": "create", "path": "test_leak.py", "file_text": failing}),
        text("Done."),
        text("Still done."),
    )
    with FakeServer(session) as server:
        run = repo.cli("run", "--task", "sub", env={"ANTHROPIC_BASE_URL": server.url})
        requests = json.dumps(server.requests())
    try:
        assert run.returncode == 1, run.stdout + run.stderr
        assert "blocked" in requests  # the attack ran, and its report reached the retry prompt
        assert "network blocked" in requests
        _assert_contained(repo, outside, requests + run.stdout + run.stderr, listener)
    finally:
        listener.close()


def test_the_agents_shell_is_jailed_and_leaks_nothing(attacked: Any) -> None:
    repo, outside = attacked
    listener = _listener()
    attack = _attack_source(outside, listener.getsockname()[1]) + "\nprint(REPORT)\n"
    (repo.path / "attack.py").write_text(attack)
    session = script(
        tool_use("bash", {"command": "python attack.py; env; cat /proc/1/environ"}),
        tool_use("bash", {"command": f"echo x > {outside}/direct; git config core.hooksPath x"}),
        text("Done."),
        text("Done again."),
    )
    with FakeServer(session) as server:
        run = repo.cli("run", "--task", "sub", env={"ANTHROPIC_BASE_URL": server.url})
        requests = json.dumps(server.requests())
    try:
        assert "network blocked" in requests, requests[-3000:]
        assert "Read-only file system" in requests
        hooks_path = subprocess.run(
            ["git", "config", "--get", "core.hooksPath"], cwd=repo.path, capture_output=True
        )
        assert hooks_path.stdout == b""
        _assert_contained(repo, outside, requests + run.stdout + run.stderr, listener)
    finally:
        listener.close()


def test_limits_stop_a_runaway_file_and_memory_hog(attacked: Any) -> None:
    repo, _outside = attacked
    limits = "limit_file_mb = 5\nlimit_memory_mb = 1024\n"
    (repo.path / "roadmapd.toml").write_text(limits + JAILED)
    repo.git("commit", "-qam", "limits")
    hog = "python -c \"b = bytearray(3 * 1024 ** 3); print('allocated')\""
    session = script(
        tool_use("bash", {"command": "head -c 20000000 /dev/zero > big.bin; ls -l big.bin"}),
        tool_use("bash", {"command": hog}),
        text("Done."),
        text("Done again."),
    )
    with FakeServer(session) as server:
        repo.cli("run", "--task", "sub", env={"ANTHROPIC_BASE_URL": server.url})
        requests = json.dumps(server.requests())
    assert os.path.getsize(repo.path / "big.bin") <= 5 * 1024 * 1024
    assert "MemoryError" in requests and "allocated" not in requests.replace("'allocated'", "")


def test_without_bubblewrap_no_task_runs_unless_sandbox_is_off(
    attacked: Any, tmp_path: Path
) -> None:
    repo, _outside = attacked
    bin_dir = tmp_path / "bin-without-bwrap"
    bin_dir.mkdir()
    for tool in ("git", "python", "python3", "sh", "bash", "prlimit"):
        found = shutil.which(tool, path=repo.env["PATH"])
        if found:
            (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    refused = repo.cli("run", "--task", "sub", env=env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "apt-get install bubblewrap" in refused.stderr and 'sandbox = "off"' in refused.stderr
    assert repo.commits() == ["initial"]
    (repo.path / "roadmapd.toml").write_text('sandbox = "off"\n' + JAILED)
    repo.git("commit", "-qam", "opt out")
    with FakeServer(script(text("nothing"), text("nothing"))) as server:
        off = repo.cli("run", "--task", "sub", env={**env, "ANTHROPIC_BASE_URL": server.url})
    assert "unsandboxed" in off.stderr, off.stderr
