"""Agent loop benchmark: a scripted 20-turn session through the fake Messages API server.

Prints the loop's own overhead per turn and the share of input tokens read from the prompt
cache from turn 2 on. Run: `python benchmarks/agent.py`.

Overhead = wall time of `send()` from the first `TurnStarted` to `AgentFinished`, minus the
time spent waiting on the server (from the moment the HTTP request is sent, seen by an httpx
event hook, to the `UsageReport` right after the end of the stream; SDK stream parsing is
counted there too) minus the time spent in tools (from
`ToolCall` to `ToolResult`). What remains is the loop itself: building each request (history,
cache breakpoints), bookkeeping (usage, cost, stuck detection) and yielding events. The one-off
set-up before the first turn (sandbox probe, client) is reported apart. The session runs three
times (each in its own workspace, so no cache is shared) and the median run is reported.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from roadmapd.agent.events import ToolCall, ToolResult, TurnStarted, UsageReport
from roadmapd.agent.session import AgentSession
from roadmapd.agent.settings import AgentSettings
from roadmapd.testing.harness import FakeServer
from roadmapd.testing.script import script, text, tool_use

TURNS = 20
RUNS = 3
EDIT = "str_replace_based_edit_tool"


def script_for(runs: int) -> dict[str, Any]:
    return script(*[reply for _ in range(runs) for reply in scripted_turns()])


def scripted_turns() -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = [
        tool_use(EDIT, {"command": "create", "path": "notes.txt", "file_text": "step 0\n"})
    ]
    for n in range(1, TURNS - 1):
        if n % 3 == 0:
            replies.append(tool_use("bash", {"command": f"echo turn {n} && wc -l notes.txt"}))
        elif n % 3 == 1:
            edit = {
                "command": "insert",
                "path": "notes.txt",
                "insert_line": n,
                "new_str": f"step {n}",
            }
            replies.append(tool_use(EDIT, edit, text=f"Turn {n}: adding a step."))
        else:
            replies.append(tool_use(EDIT, {"command": "view", "path": "notes.txt"}))
    replies.append(text("All steps written."))
    return replies


async def measure(workspace: Path, url: str) -> dict[str, float]:
    settings = AgentSettings(model="claude-sonnet-4-6", base_url=url, max_turns=TURNS + 1)
    sent: list[float] = []

    async def on_request(request: httpx2.Request) -> None:
        sent.append(time.perf_counter())

    http = httpx2.AsyncClient(event_hooks={"request": [on_request]})
    session = AgentSession(workspace, settings, api_key="bench-key-not-secret", http_client=http)
    in_request = in_tools = 0.0
    mark = start = first = 0.0
    reports: list[UsageReport] = []
    start = time.perf_counter()
    async for event in session.send("Write twenty steps into notes.txt."):
        now = time.perf_counter()
        if isinstance(event, TurnStarted | ToolCall):
            mark = now
            first = first or now
        elif isinstance(event, UsageReport):
            in_request += now - sent[-1]
            reports.append(event)
        elif isinstance(event, ToolResult):
            in_tools += now - mark
    wall = time.perf_counter() - first
    await session.aclose()
    await http.aclose()
    later = reports[1:]
    cached = sum(r.usage.cache_read_input_tokens for r in later)
    total = sum(r.usage.total_input_tokens for r in later) or 1
    return {
        "turns": len(reports),
        "setup": first - start,
        "wall": wall,
        "requests": in_request,
        "tools": in_tools,
        "overhead": wall - in_request - in_tools,
        "cached_share": cached / total,
        "cost": reports[-1].total.cost_usd if reports else 0.0,
        "sandboxed": float(session.warnings == []),
    }


def main() -> None:
    runs = []
    with tempfile.TemporaryDirectory() as tmp, FakeServer(script_for(RUNS)) as server:
        for n in range(RUNS):
            workspace = Path(tmp) / f"ws{n}"
            workspace.mkdir()
            subprocess.run(["git", "init", "-q", str(workspace)], check=True)
            runs.append(asyncio.run(measure(workspace, server.url)))
    r = sorted(runs, key=lambda run: run["overhead"])[RUNS // 2]
    turns = int(r["turns"])
    per_turn_ms = r["overhead"] / turns * 1000
    print(
        f"agent loop, {turns} turns (median of {RUNS} runs) through the fake Messages API"
        " server (real SDK over HTTP)"
    )
    print(f"  one-off set-up before turn 1 (sandbox probe, client): {r['setup'] * 1000:.1f} ms")
    print(
        f"  wall {r['wall'] * 1000:.1f} ms = requests {r['requests'] * 1000:.1f} ms"
        f" + tools {r['tools'] * 1000:.1f} ms + loop overhead {r['overhead'] * 1000:.1f} ms"
    )
    print(
        "  (requests: HTTP request sent..UsageReport, incl. SDK parsing;"
        f" tools: ToolCall..ToolResult; shell sandboxed: {'yes' if r['sandboxed'] else 'no'})"
    )
    print(
        f"  loop overhead per turn: {per_turn_ms:.2f} ms (target < 5 ms)"
        f" -> {'OK' if per_turn_ms < 5 else 'MISSED'}"
    )
    print(
        f"  input tokens read from cache, turns 2..{turns}: {r['cached_share']:.1%}"
        f" (target > 80%) -> {'OK' if r['cached_share'] > 0.8 else 'MISSED'}"
    )
    print(f"  cost of the session at claude-sonnet-4-6 prices: ${r['cost']:.4f}")


if __name__ == "__main__":
    main()
