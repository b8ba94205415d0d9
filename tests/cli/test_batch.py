"""`batch_size` end to end: `roadmapd run --all` on three small tasks of one section, the real
agent loop against the fake Messages API, real git and real pytest checks."""

from __future__ import annotations

from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text

from .conftest import CONFIG

ROADMAP = """# Plan

## Small things

- [ ] Add subtract <!-- id: sub -->
- [ ] Add multiply <!-- id: mul -->
- [ ] Add negate <!-- id: neg -->
"""
STEPS = {  # each task appends its function after the previous one's last line
    "sub": ("    return a + b\n", "\n\ndef subtract(a, b):\n    return a - b\n"),
    "mul": ("    return a - b\n", "\n\ndef multiply(a, b):\n    return a * b\n"),
    "neg": ("    return a * b\n", "\n\ndef negate(a):\n    return -a\n"),
}


def _steps(edit: Any, ids: list[str]) -> list[Any]:
    out: list[Any] = []
    for task_id in ids:
        anchor, new = STEPS[task_id]
        out += [edit("calc.py", anchor, anchor + new), text("Done.")]
    return out


def _batched(repo: Any) -> None:
    config = "batch_size = 3\n" + CONFIG.format(attempts=1)
    (repo.path / "roadmapd.toml").write_text(config, encoding="utf-8")
    repo.git("commit", "-qam", "batch of three")


def _first_requests(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first request of each task: its first user message is a task prompt."""
    out = []
    for request in requests:
        messages = request["body"]["messages"]
        last = messages[-1]["content"]
        texts = [b.get("text", "") for b in last if isinstance(b, dict)]
        if any(t.startswith(("Task ", "The daemon verified")) for t in texts):
            out.append(request)
    return out


def test_a_batch_of_three_shares_one_conversation_and_commits_three_times(
    make_repo: Any, edit: Any
) -> None:
    repo = make_repo(ROADMAP)
    _batched(repo)
    with FakeServer(script(*_steps(edit, ["sub", "mul", "neg"]))) as server:
        run = repo.cli("run", "--all", env={"ANTHROPIC_BASE_URL": server.url})
        requests = server.requests()
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == [
        "Add negate",
        "Add multiply",
        "Add subtract",
        "batch of three",
        "initial",
    ]
    assert repo.read("ROADMAP.md").count("- [x]") == 3
    firsts = _first_requests(requests)
    assert len(firsts) == 3
    sizes = [len(r["body"]["messages"]) for r in firsts]
    assert sizes[0] == 1 and sizes[0] < sizes[1] < sizes[2], sizes  # one growing conversation
    assert "Task sub: Add subtract" in str(firsts[2]["body"]["messages"][0])
    log = repo.cli("log", "mul").stdout
    assert "in the conversation of sub" in log, log


def test_a_failed_task_ends_the_batch_and_the_next_starts_fresh(make_repo: Any, edit: Any) -> None:
    repo = make_repo(ROADMAP)
    _batched(repo)
    negate = edit("calc.py", "    return a - b\n", "    return a - b\n" + STEPS["neg"][1])
    nothing = text("Done.")  # multiply: no change, no pass
    steps = [*_steps(edit, ["sub"]), nothing, negate, text("Done.")]
    with FakeServer(script(*steps)) as server:
        run = repo.cli("run", "--all", "--keep-going", env={"ANTHROPIC_BASE_URL": server.url})
        requests = server.requests()
    assert run.returncode == 1, run.stdout + run.stderr
    assert repo.commits()[:2] == ["Add negate", "Add subtract"]
    firsts = _first_requests(requests)
    sizes = [len(r["body"]["messages"]) for r in firsts]
    assert sizes[0] == 1 and sizes[1] > 1 and sizes[2] == 1, sizes
