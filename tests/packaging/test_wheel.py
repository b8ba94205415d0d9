"""The wheel is the product: built, checked, installed into a new venv and used from there.

Builds the sdist and the wheel from a copy of the sources (`python -m build`: the wheel is built
from the sdist, so the sdist must be complete), runs `twine check --strict` on both, installs
the wheel into a new venv (`python -m venv`, dependencies from PyPI pinned by
requirements-runtime.lock), and runs that venv's `roadmapd` with a clean environment (no dev
venv on PATH, its own HOME and TMPDIR, cwd outside the checkout): `roadmapd demo` must commit
the bundled example's three tasks against the bundled fake API server with no API key and no
pytest; tasks, status, log, memory, gc, rollback and run work on the demo project; `roadmapd
serve` answers an LSP initialize and shutdown.

Slow (marked `slow`; `-m "not slow"` leaves it out locally): 30 to 60 s (pip and a dozen
`roadmapd` processes), and it needs PyPI. It runs in `make test` (CI). The demo runs its tasks
in the bubblewrap jail; CI installs bubblewrap.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tarfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from roadmapd.testing import FakeServer

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "daemon", "protocol")
EXAMPLE = ("README.md", "ROADMAP.md", "calc.py", "test_calc.py", "run_tests.py", "roadmapd.toml")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass(frozen=True)
class Installed:
    sdist: Path
    wheel: Path
    venv: Path
    home: Path
    env: dict[str, str]

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def run(self, *argv: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            cwd=cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _check(argv: list[str], cwd: Path, timeout: float) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _constraints(tmp: Path) -> Path:
    """requirements-runtime.lock without its hashes: pip wants hashes for every requirement
    (the local wheel too) once a constraints file has one, so the pins constrain and the hashes
    stay in CI's --require-hashes install of requirements.lock."""
    pins = []
    for line in (ROOT / "requirements-runtime.lock").read_text(encoding="utf-8").splitlines():
        text = line.strip().removesuffix("\\").strip()
        if text and not text.startswith(("#", "--hash")):
            pins.append(text)
    path = tmp / "constraints.txt"
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


def _clean_path() -> str:
    """A user's PATH without the venv: the system's folders plus where git and bwrap are, nothing
    of the dev venv (no pytest). `roadmapd demo` puts its own Python first; `roadmapd run` finds
    the example's `python3` here, as with roadmapd installed by pipx."""
    dirs = [str(Path(found).parent) for tool in ("git", "bwrap") if (found := shutil.which(tool))]
    dev = str(Path(sys.executable).parent)
    system = ["/usr/local/bin", "/usr/bin", "/bin"]
    return os.pathsep.join(dict.fromkeys(d for d in [*dirs, *system] if d != dev))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp / "dist"
    # --no-isolation: the build backend is the locked setuptools of this venv (no download)
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)]
    _check(build, tmp, 300)
    (sdist,) = dist.glob("roadmapd-*.tar.gz")
    (wheel,) = dist.glob("roadmapd-*-py3-none-any.whl")

    home = tmp / "home"
    venv = home / "try" / "venv"  # under the HOME the jail hides: bound back for the checks
    _check([sys.executable, "-m", "venv", str(venv)], tmp, 120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _check([*pip, "-c", str(_constraints(tmp)), str(wheel)], tmp, 600)
    (tmp / "tmp").mkdir()
    env = {"PATH": _clean_path(), "HOME": str(home), "TMPDIR": str(tmp / "tmp"), "LANG": "C.UTF-8"}
    return Installed(sdist, wheel, venv, home, env)


def test_the_sdist_and_the_wheel_pass_twine_check(installed: Installed) -> None:
    argv = [sys.executable, "-m", "twine", "check", "--strict", str(installed.sdist)]
    out = _check([*argv, str(installed.wheel)], installed.wheel.parent, 120)
    assert out.count("PASSED") == 2, out


def test_the_wheel_carries_the_example_and_the_license(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for name in EXAMPLE:
        assert f"roadmapd/examples/calculator/{name}" in names
    assert "roadmapd/examples/calculator/.gitignore" in names
    assert "roadmapd/examples/calculator-session.json" in names
    assert "roadmapd_protocol/__init__.py" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    with tarfile.open(installed.sdist) as sdist:
        files = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "pyproject.toml"} <= files
    assert "daemon/roadmapd/examples/calculator/run_tests.py" in files
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(installed.wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text
    assert "Project-URL: Repository, https://github.com/roadmapd/roadmapd" in text


def _committed_tasks(project: Path) -> list[str]:
    log = subprocess.run(
        ["git", "-C", str(project), "log", "--format=%B"], capture_output=True, text=True
    ).stdout
    return [line for line in log.splitlines() if line.startswith("Roadmap-Task: ")]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI has it)")
def test_roadmapd_demo_from_the_wheel_commits_the_three_tasks(
    installed: Installed, tmp_path: Path
) -> None:
    python = str(installed.bin / "python")
    no_pytest = installed.run(python, "-c", "import pytest", cwd=tmp_path)
    assert no_pytest.returncode != 0, "the clean venv has pytest: the demo must not need it"

    out = installed.run(str(installed.bin / "roadmapd"), "demo", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "checks failed" in out.stdout  # the daemon caught multiply's wrong first attempt
    assert "CalcTest.test_multiply failed: AssertionError: 81 != 12" in out.stdout
    first = out.stdout.splitlines()[0]
    assert first.startswith("Demo project: "), out.stdout
    project = Path(first.removeprefix("Demo project: ").split(" (", 1)[0])
    assert project.is_relative_to(installed.env["TMPDIR"])
    expected = ["Roadmap-Task: divide", "Roadmap-Task: multiply", "Roadmap-Task: subtract"]
    assert _committed_tasks(project) == expected
    assert (project / "ROADMAP.md").read_text(encoding="utf-8").count("- [x]") == 3

    status = installed.run(str(installed.bin / "roadmapd"), "status", cwd=project)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count("red→green") == 3, status.stdout  # the evidence rule ran


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI has it)")
def test_the_demo_kept_next_to_the_venv_in_the_hidden_home(installed: Installed) -> None:
    """`--keep ~/try/demo` beside `~/try/venv`: the jail binds the venv back, not all of ~/try."""
    target = installed.home / "try" / "demo"
    out = installed.run(
        str(installed.bin / "roadmapd"), "demo", "--keep", str(target), cwd=target.parent
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(_committed_tasks(target)) == 3


def test_every_command_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    """The commands on the demo project: tasks, status, log, memory, gc, rollback, run."""
    roadmapd = str(installed.bin / "roadmapd")
    out = installed.run(roadmapd, "--help", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for command in ("tasks", "run", "status", "log", "rollback", "gc", "memory", "serve", "demo"):
        assert f"    {command} " in out.stdout, command
    python = str(installed.bin / "python")
    serve = installed.run(python, "-m", "roadmapd", "serve", "--help", cwd=tmp_path)
    assert serve.returncode == 0 and "language server" in serve.stdout, serve.stderr
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (CI has it): no demo project to work on")

    project = tmp_path / "demo"
    assert installed.run(roadmapd, "demo", "--keep", str(project), cwd=tmp_path).returncode == 0

    def ok(*argv: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [roadmapd, *argv],
            cwd=project,
            env={**installed.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"roadmapd {' '.join(argv)}\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    assert "3 tasks, 3 done" in ok("tasks", "ROADMAP.md")
    assert "multiply" in ok("status")
    assert "AssertionError: 81 != 12" in ok("log", "multiply")
    ok("memory")
    ok("gc", "--dry-run")
    ok("rollback", "divide", "--yes")
    assert "def divide" not in (project / "calc.py").read_text(encoding="utf-8")

    # `roadmapd run` against the fake API server, with the demo's replies for divide; tracing
    # asked for without the `otel` extra installed: said once, and the run goes on
    (session,) = installed.venv.glob("lib/python*/site-packages/roadmapd/examples/*.json")
    replies = json.loads(session.read_text(encoding="utf-8"))["responses"]
    first = next(i for i, reply in enumerate(replies) if "def divide" in json.dumps(reply))
    with FakeServer({"responses": replies[first:]}) as server:
        api = {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_API_KEY": "sk-fake-wheel-test"}
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
        ran = ok("run", "--task", "divide", env={**api, **otel})
    assert "committed" in ran, ran
    assert ran.count("tracing is off") == 1 and "pip install 'roadmapd[otel]'" in ran, ran
    assert "def divide" in (project / "calc.py").read_text(encoding="utf-8")
    assert (project / "ROADMAP.md").read_text(encoding="utf-8").count("- [x]") == 3


def _frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def _read_messages(stream: IO[bytes], found: queue.Queue[dict[str, Any]]) -> None:
    """LSP messages from the server's stdout, until it closes."""
    while True:
        length = None
        while (line := stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if not line or length is None:
            return
        found.put(json.loads(stream.read(length)))


def _reply(found: queue.Queue[dict[str, Any]], request_id: int) -> dict[str, Any]:
    while True:
        message = found.get(timeout=60)
        if message.get("id") == request_id and "method" not in message:
            return message


def test_roadmapd_serve_answers_an_lsp_initialize(installed: Installed, tmp_path: Path) -> None:
    server = subprocess.Popen(
        [str(installed.bin / "roadmapd"), "serve"],
        cwd=tmp_path,
        env=installed.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert server.stdin is not None and server.stdout is not None
    found: queue.Queue[dict[str, Any]] = queue.Queue()
    threading.Thread(target=_read_messages, args=(server.stdout, found), daemon=True).start()

    def send(message: dict[str, Any]) -> None:
        assert server.stdin is not None
        server.stdin.write(_frame({"jsonrpc": "2.0", **message}))
        server.stdin.flush()

    try:
        params = {"processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": {}}
        send({"id": 1, "method": "initialize", "params": params})
        result = _reply(found, 1)["result"]
        assert result["serverInfo"]["name"] == "roadmapd"
        assert result["capabilities"]["codeLensProvider"] is not None
        send({"method": "initialized", "params": {}})
        send({"id": 2, "method": "shutdown", "params": None})
        assert _reply(found, 2)["result"] is None
        send({"method": "exit", "params": None})
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
