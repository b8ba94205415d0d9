"""Pure parts of the agent: prices, prompts, cache breakpoints, backoff, output, env scrub."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from roadmapd.agent.caching import cached_messages, cached_tools
from roadmapd.agent.confinement import scrubbed_env
from roadmapd.agent.faults import Fault, backoff_s
from roadmapd.agent.output import TailBuffer, truncate
from roadmapd.agent.pricing import FALLBACK, cost_usd, is_known, price_of
from roadmapd.agent.prompts import system_prompt, task_prompt


def test_prices_match_the_longest_prefix_and_fall_back() -> None:
    assert price_of("claude-sonnet-4-5-20250929").input == 3.0
    assert price_of("claude-opus-4-1-20250805").output == 75.0
    assert price_of("claude-opus-4-5").output == 25.0
    assert price_of("llama3.1:8b") == FALLBACK and not is_known("llama3.1:8b")
    cost = cost_usd(
        "claude-haiku-4-5",
        input_tokens=1_000_000,
        cache_write=1_000_000,
        cache_read=1_000_000,
        output_tokens=1_000_000,
    )
    assert cost == pytest.approx(1.0 + 1.25 + 0.10 + 5.0)


@dataclass(frozen=True)
class FakeTask:
    id: str = "T7"
    title: str = "Add a --verbose flag"
    body: tuple[str, ...] = ("Print each step.",)
    files: tuple[str, ...] = ("cli.py",)
    depends: tuple[str, ...] = ("T6",)
    acceptance: tuple[str, ...] = ("`cli --verbose` prints steps",)
    verify: tuple[str, ...] = ("pytest -q",)
    headings: tuple[str, ...] = ("Phase 1", "CLI")


def test_prompts_state_the_rules_and_the_task(tmp_path: Path) -> None:
    system = system_prompt(tmp_path)
    assert str(tmp_path) in system
    for rule in ["Do not commit", "checkbox", "claims", "minimal"]:
        assert rule in system
    prompt = task_prompt(FakeTask(), memory="Use click, not argparse.")
    for part in [
        "T7: Add a --verbose flag",
        "Phase 1 > CLI",
        "Print each step.",
        "cli.py",
        "pytest -q",
        "Use click",
        "prints steps",
    ]:
        assert part in prompt
    assert "Project notes" not in task_prompt(FakeTask())


def test_breakpoints_mark_tools_first_and_last_message_without_mutating() -> None:
    tools = [{"name": "a"}, {"name": "b"}]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "task"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "hi"}]},
        {"role": "user", "content": "plain string"},
    ]
    marked = cached_messages(messages)
    assert (
        "cache_control" in marked[0]["content"][-1] and "cache_control" in marked[2]["content"][-1]
    )
    assert "cache_control" not in marked[1]["content"][-1]
    assert all("cache_control" not in b for m in messages[:2] for b in m["content"])
    assert messages[2]["content"] == "plain string"
    assert "cache_control" in cached_tools(tools)[-1] and "cache_control" not in tools[-1]


def test_backoff_grows_and_is_capped() -> None:
    plain = Fault("x", True)
    assert all(0.5 <= backoff_s(1, plain, base_s=1, cap_s=30) <= 1 for _ in range(20))
    assert all(2 <= backoff_s(3, plain, base_s=1, cap_s=30) <= 4 for _ in range(20))
    assert backoff_s(10, plain, base_s=1, cap_s=5) <= 5
    assert backoff_s(1, Fault("x", True, 100.0), base_s=1, cap_s=7) == 7
    assert backoff_s(1, Fault("x", True, 2.0), base_s=1, cap_s=7) == 2


def test_output_bounds() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("a" * 50 + "b" * 50, 20)
    assert cut.startswith("a" * 10) and cut.endswith("b" * 10) and "80 characters" in cut
    buffer = TailBuffer(8)
    for _ in range(1000):
        buffer.feed(b"0123456789")
    text = buffer.text()
    assert text.startswith("01234567") and text.endswith("23456789") and "9984 bytes" in text


def test_scrubbed_env_drops_credentials_only() -> None:
    env = {
        "PATH": "/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "ANTHROPIC_BASE_URL": "x",
        "OPENAI_API_KEY": "x",
        "GITHUB_TOKEN": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "DB_PASSWORD": "x",
        "FOO_TOKEN": "x",
        "EDITOR": "vi",
    }
    assert scrubbed_env(env) == {"PATH": "/bin", "HOME": "/root", "LANG": "C.UTF-8", "EDITOR": "vi"}
