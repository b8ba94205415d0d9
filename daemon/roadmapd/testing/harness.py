"""FakeServer: runs the fake Messages API server as a real subprocess for tests and benchmarks.

with FakeServer(script(text("hi"))) as server:
    client = AsyncAnthropic(base_url=server.url, api_key="test-key", max_retries=0)
    ...
    assert server.requests()[0]["body"]["model"] == "..."
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `roadmapd/`


class FakeServerError(RuntimeError):
    """The fake server could not be started (bad script, crash, or no URL in time)."""


class FakeServer:
    """Start/stop `python -m roadmapd.testing.fake_anthropic` around a `with` block."""

    def __init__(
        self,
        script: dict[str, Any] | Path,
        *,
        log: Path | None = None,
        delay_ms: int = 0,
        startup_timeout: float = 15.0,
    ) -> None:
        self._script = script
        self._log = log
        self._delay_ms = delay_ms
        self._startup_timeout = startup_timeout
        self._tmp: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._url: str | None = None
        self._final_requests: list[dict[str, Any]] | None = None

    @property
    def url(self) -> str:
        """Base URL (`http://127.0.0.1:PORT`); pass it as `base_url` to the SDK client."""
        if self._url is None:
            raise FakeServerError("FakeServer is not running: use it in a `with` block")
        return self._url

    @property
    def log_path(self) -> Path:
        """The JSONL request log (a temp file unless `log=` was given)."""
        if self._log is not None:
            return self._log
        if self._tmp is None:
            raise FakeServerError("FakeServer is not running: use it in a `with` block")
        return self._tmp / "requests.jsonl"

    def __enter__(self) -> FakeServer:
        self._final_requests = None
        self._tmp = Path(tempfile.mkdtemp(prefix="fake-anthropic-"))
        if isinstance(self._script, Path):
            script_path = self._script
        else:
            script_path = self._tmp / "script.json"
            script_path.write_text(json.dumps(self._script), encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "roadmapd.testing.fake_anthropic",
            "--script",
            str(script_path),
            "--log",
            str(self.log_path),
            "--delay-ms",
            str(self._delay_ms),
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
        )
        stderr_file = (self._tmp / "stderr.txt").open("wb")
        try:
            self._proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=stderr_file, stdin=subprocess.DEVNULL, env=env
            )
        finally:
            stderr_file.close()
        try:
            self._url = self._read_url(self._proc)
        except BaseException:
            self._stop()
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
            self._final_requests = []
            raise
        return self

    def _read_url(self, proc: subprocess.Popen[bytes]) -> str:
        stdout: IO[bytes] | None = proc.stdout
        assert stdout is not None
        deadline = time.monotonic() + self._startup_timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FakeServerError(f"fake server printed no URL within {self._startup_timeout}s")
            ready, _, _ = select.select([stdout], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(stdout.fileno(), 1)
            if not chunk:
                proc.wait(timeout=5)
                raise FakeServerError(
                    f"fake server exited with code {proc.returncode}: {self._stderr().strip()}"
                )
            line += chunk
        url = line.decode("utf-8").strip()
        if not url.startswith("http://"):
            raise FakeServerError(f"fake server printed {url!r} instead of its URL")
        return url

    def _stderr(self) -> str:
        if self._tmp is None:
            return ""
        path = self._tmp / "stderr.txt"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def requests(self) -> list[dict[str, Any]]:
        """Every request logged so far: `{"method", "path", "headers", "body"}` dicts, in order.

        Still answers after the `with` block ends (with what was logged until then).
        """
        if self._final_requests is not None:
            return list(self._final_requests)
        path = self.log_path
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._url = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()
        if self._tmp is not None:
            self._final_requests = self.requests()
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
