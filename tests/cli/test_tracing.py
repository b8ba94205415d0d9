"""Tracing end to end: `roadmapd run` exports its span tree over OTLP/HTTP to a receiver on
127.0.0.1 that decodes the protobuf (opentelemetry-proto), and nothing secret or from a file
travels with it; without the endpoint nothing of OpenTelemetry is even imported."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from roadmapd.agent.review import TOOL_NAME
from roadmapd.testing.script import script, text, tool_use
from roadmapd.testing.verdicts import CASES, CONFIG, ROADMAP

MARKER = "FILE-CONTENT-MARKER-91c4"  # in a file the agent reads: no span may carry it
PAT = "ghp_tracingSECRETvalue0123456789"  # a secret by its name (GH_PAT)


@dataclass
class Span:
    name: str
    span_id: bytes
    parent: bytes
    trace_id: bytes
    start: int
    end: int
    attrs: dict[str, Any]


@dataclass
class Receiver:
    url: str
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def spans(self) -> list[Span]:
        out: list[Span] = []
        for body in self.bodies:
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    out += [_span(s) for s in scope.spans]
        return out


def _value(v: AnyValue) -> Any:
    return getattr(v, v.WhichOneof("value") or "string_value")


def _span(s: Any) -> Span:
    attrs = {a.key: _value(a.value) for a in s.attributes}
    return Span(
        s.name,
        s.span_id,
        s.parent_span_id,
        s.trace_id,
        s.start_time_unix_nano,
        s.end_time_unix_nano,
        attrs,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            got.paths.append(self.path)
            got.bodies.append(body)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


REVIEW_CONFIG = CONFIG.replace("max_attempts = 1", 'max_attempts = 1\nreview = "agent"')


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_a_run_exports_its_span_tree_with_usage_and_nothing_secret(
    make_repo: Any, receiver: Receiver
) -> None:
    honest = CASES["honest, with its own test"]
    read_notes = tool_use("bash", {"command": "cat NOTES.txt"})
    entries = [
        read_notes,
        *honest.steps,
        text("Done."),
        tool_use(TOOL_NAME, {"decision": "pass", "reason": "complete"}),
    ]
    files = {"roadmapd.toml": REVIEW_CONFIG, "NOTES.txt": f"{MARKER}\n"}
    repo = make_repo(ROADMAP, files=files)
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_BSP_SCHEDULE_DELAY": "50",
        "GH_PAT": PAT,
    }
    from roadmapd.testing import FakeServer

    with FakeServer(script(*entries)) as server:
        run = repo.cli("run", "--task", "sub", env={**env, "ANTHROPIC_BASE_URL": server.url})
    assert run.returncode == 0, run.stdout + run.stderr
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}
    assert "evidence: the pass has its evidence" in repo.cli("log", "sub").stdout
    raw = b"".join(receiver.bodies)
    for secret in (repo.secret, PAT, MARKER, "Add subtract", "subtract(5, 3)"):
        assert secret.encode() not in raw, f"{secret!r} reached the trace receiver"

    spans = receiver.spans()
    by_id = {s.span_id: s for s in spans}
    names = [s.name for s in spans]
    (run_span,) = [s for s in spans if s.name == "roadmapd.run"]
    assert run_span.parent == b"" and {s.trace_id for s in spans} == {run_span.trace_id}
    (task,) = [s for s in spans if s.name == "roadmapd.task"]
    assert task.parent == run_span.span_id
    assert task.attrs["roadmapd.task.id"] == "sub"
    assert task.attrs["roadmapd.task.status"] == "committed"
    (attempt,) = [s for s in spans if s.name == "roadmapd.attempt"]
    assert attempt.parent == task.span_id and attempt.attrs["roadmapd.attempt"] == 1

    turns = [s for s in spans if s.name.startswith("chat ")]
    model = turns[0].attrs["gen_ai.request.model"]
    assert len(turns) == 4 and all(t.parent == attempt.span_id for t in turns)
    assert all(t.attrs["gen_ai.usage.input_tokens"] > 0 for t in turns)
    assert all(t.attrs["gen_ai.usage.output_tokens"] > 0 for t in turns)
    tools = [s for s in spans if s.name.startswith("execute_tool ")]
    assert sorted(t.attrs["gen_ai.tool.name"] for t in tools) == [
        "bash",
        "str_replace_based_edit_tool",
        "str_replace_based_edit_tool",
    ]
    assert all(t.parent == attempt.span_id for t in tools)
    for kind in ("roadmapd.checks", "roadmapd.evidence", "roadmapd.review"):
        assert names.count(kind) == 1, names
        assert next(s for s in spans if s.name == kind).parent == attempt.span_id
    (check,) = [s for s in spans if s.name == "roadmapd.check"]
    assert by_id[check.parent].name == "roadmapd.checks"
    assert check.attrs["roadmapd.check.name"] == "tests" and check.attrs["roadmapd.check.passed"]
    evidence = next(s for s in spans if s.name == "roadmapd.evidence")
    assert evidence.attrs["roadmapd.evidence.passed"] is True
    review = next(s for s in spans if s.name == "roadmapd.review")
    assert review.attrs["roadmapd.review.decision"] == "pass"
    assert review.attrs["gen_ai.request.model"] == model
    assert review.attrs["gen_ai.usage.input_tokens"] > 0

    agent_in = sum(t.attrs["gen_ai.usage.input_tokens"] for t in turns)
    review_in = review.attrs["gen_ai.usage.input_tokens"]
    assert task.attrs["gen_ai.usage.input_tokens"] == agent_in + review_in
    assert run_span.attrs["gen_ai.usage.input_tokens"] == agent_in + review_in
    assert run_span.attrs["roadmapd.cost_usd"] == pytest.approx(task.attrs["roadmapd.cost_usd"])
    for span in spans:  # every child inside its parent's time
        parent = by_id.get(span.parent)
        assert span.start <= span.end
        if parent is not None:
            assert parent.start <= span.start and span.end <= parent.end, (span, parent)


def test_a_run_without_an_endpoint_loads_no_opentelemetry(make_repo: Any) -> None:
    code = (
        "import sys\n"
        "from roadmapd import tracing, workspace\n"
        "assert tracing.event_tracer('m', 'm') is None\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    env = {k: v for k, v in make_repo("# Plan\n").env.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_sdk_disabled_wins_over_an_endpoint() -> None:
    from roadmapd.tracing import wanted

    assert wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"})
    assert not wanted({})
    assert not wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "})
    on = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "TRUE"}
    assert not wanted(on)
