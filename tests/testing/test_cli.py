"""The server as a process: URL first on stdout, clean exit on signals, bad scripts, the log."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from roadmapd.testing import FakeServer, FakeServerError
from roadmapd.testing.script import script, text

MODULE = [sys.executable, "-m", "roadmapd.testing.fake_anthropic"]


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(script(text("hi"))), encoding="utf-8")
    return subprocess.Popen(
        [*MODULE, "--script", str(path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_the_url_first_and_exits_cleanly_on_signal(tmp_path: Path, sig: int) -> None:
    proc = _start(tmp_path, "--port", "0")
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:")
    assert int(url.rsplit(":", 1)[1]) > 0
    with pytest.raises(urllib.error.HTTPError) as info:  # the server answers meanwhile
        urllib.request.urlopen(url + "/nowhere", timeout=10)
    assert info.value.code == 404
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "invalid JSON"),
        ('{"replies": []}', '"responses"'),
        ('{"responses": [{"content": [{"type": "tool_use"}]}]}', "responses[0].content[0].name"),
        ('{"responses": [{"content": [], "stop": "end_turn"}]}', "unknown key(s) ['stop']"),
        ('{"responses": [{"error": {"status": 99, "type": "x"}}]}', "responses[0].error.status"),
    ],
)
def test_bad_script_exits_2_with_a_pointed_message(
    tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    done = subprocess.run(
        [*MODULE, "--script", str(path)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr


def test_harness_reports_a_server_that_fails_to_start(tmp_path: Path) -> None:
    server = FakeServer(tmp_path / "missing.json")
    with pytest.raises(FakeServerError, match="cannot read script"), server:
        pass
    assert server.requests() == []


def test_log_redacts_the_key_and_keeps_each_request(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    with FakeServer(script(text("hi")), log=log) as server:
        for headers in ({"x-api-key": "sk-secret-1"}, {"authorization": "Bearer sk-secret-2"}):
            request = urllib.request.Request(
                server.url + "/v1/messages",
                data=json.dumps(body).encode(),
                headers={"anthropic-version": "2023-06-01", **headers},
            )
            try:
                urllib.request.urlopen(request, timeout=10).read()
            except urllib.error.HTTPError as exc:  # the second one finds the script used up
                assert exc.code == 500
        logged = server.requests()
    raw = log.read_text(encoding="utf-8")
    assert "sk-secret" not in raw
    assert len(raw.splitlines()) == 2
    assert logged[0]["headers"]["x-api-key"] == "[redacted]"
    assert logged[1]["headers"]["authorization"] == "[redacted]"
    assert logged[0]["method"] == "POST" and logged[0]["path"] == "/v1/messages"
    assert logged[0]["body"] == body
    assert server.requests() == logged  # still readable after the server stopped


def test_garbage_requests_get_clear_errors_and_are_logged() -> None:
    with FakeServer(script(text("hi"))) as server:
        answers = []
        for path, data in (("/v1/messages", b"{nope"), ("/v1/complete", b"{}"), ("/", None)):
            request = urllib.request.Request(
                server.url + path,
                data=data,
                headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
            )
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(request, timeout=10)
            answers.append((info.value.code, json.loads(info.value.read())["error"]))
        logged = server.requests()
    assert answers[0] == (
        400,
        {"type": "invalid_request_error", "message": answers[0][1]["message"]},
    )
    assert "invalid JSON" in answers[0][1]["message"]
    assert [code for code, _ in answers[1:]] == [404, 404]
    assert [(r["method"], r["path"]) for r in logged] == [
        ("POST", "/v1/messages"),
        ("POST", "/v1/complete"),
        ("GET", "/"),
    ]
    assert logged[0]["body"] == "{nope"
