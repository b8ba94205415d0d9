"""Approximate token counts and the fake server's prompt-cache model.

The prompt is flattened into blocks in the order the real API caches them: tool definitions,
then system blocks, then message content blocks. Each block costs ceil(len(canonical JSON) / 4)
tokens. Blocks that carry `cache_control` (or the last block, when the request has a top-level
`cache_control`) are breakpoints. A cache entry is the hash of the whole prefix (model included)
up to a breakpoint; entries are written at breakpoints only and live for their TTL (5 minutes,
or 1 hour with `"ttl": "1h"`), refreshed on every hit. For each breakpoint the cache is looked
up at that block and up to 19 blocks before it (the real API's 20-block lookback). The longest
hit is `cache_read_input_tokens`; from there to the last breakpoint is
`cache_creation_input_tokens`; the rest is `input_tokens`. Unlike the real API there is no
minimum cacheable length, so small test prompts cache too.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 4
LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


@dataclass(frozen=True)
class PromptBlock:
    """One cacheable unit of the prompt: its token cost, prefix digest and breakpoint TTL."""

    tokens: int
    digest: bytes
    ttl: str | None


@dataclass(frozen=True)
class CacheUsage:
    """How the input tokens of one request split between cache reads, writes and plain input."""

    input_tokens: int
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    ephemeral_5m_input_tokens: int = 0
    ephemeral_1h_input_tokens: int = 0


def estimate_tokens(text: str) -> int:
    """About four characters per token, at least one."""
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _units(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(canonical text, breakpoint ttl) per cacheable unit, in cache order."""
    units: list[tuple[str, str | None]] = []

    def add(prefix: str, block: Any) -> None:
        ttl = None
        if isinstance(block, dict) and isinstance(block.get("cache_control"), dict):
            ttl = str(block["cache_control"].get("ttl", "5m"))
            block = {k: v for k, v in block.items() if k != "cache_control"}
        units.append((prefix + _canonical(block), ttl))

    for tool in body.get("tools") or []:
        add("tool:", tool)
    system = body.get("system")
    if isinstance(system, list):
        for block in system:
            add("system:", block)
    elif system:
        add("system:", system)
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        role = f"{message.get('role')}:"
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                add(role, block)
        else:
            add(role, content)
    top = body.get("cache_control")
    if isinstance(top, dict) and units and units[-1][1] is None:
        units[-1] = (units[-1][0], str(top.get("ttl", "5m")))
    return units


def prompt_blocks(body: dict[str, Any]) -> list[PromptBlock]:
    """Flatten a (validated) request body into prompt blocks with running prefix digests."""
    digest = hashlib.sha256(f"model:{body.get('model')}".encode()).digest()
    blocks: list[PromptBlock] = []
    for text, ttl in _units(body):
        digest = hashlib.sha256(digest + text.encode()).digest()
        blocks.append(PromptBlock(estimate_tokens(text), digest, ttl))
    return blocks


def count_input_tokens(body: dict[str, Any]) -> int:
    """What `POST /v1/messages/count_tokens` answers: all prompt tokens, caching ignored."""
    return sum(block.tokens for block in prompt_blocks(body)) or 1


class PromptCache:
    """Prefix cache shared by all requests to one server; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._expiry: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def account(self, blocks: list[PromptBlock]) -> CacheUsage:
        """Split the prompt's tokens into read / created / uncached and update the cache."""
        total = sum(b.tokens for b in blocks) or 1
        breakpoints = [i for i, b in enumerate(blocks) if b.ttl is not None]
        if not breakpoints:
            return CacheUsage(input_tokens=total)
        with self._lock:
            now = self._clock()
            hit = self._longest_hit(blocks, breakpoints, now)
            if hit >= 0:
                self._store(blocks[hit].digest, blocks[hit].ttl or "5m", now)
            created = {"5m": 0, "1h": 0}
            start = hit + 1
            for bp in breakpoints:
                if bp < start:
                    continue
                ttl = blocks[bp].ttl or "5m"
                created[ttl if ttl in created else "5m"] += sum(
                    b.tokens for b in blocks[start : bp + 1]
                )
                self._store(blocks[bp].digest, ttl, now)
                start = bp + 1
        read = sum(b.tokens for b in blocks[: hit + 1])
        creation = created["5m"] + created["1h"]
        return CacheUsage(
            input_tokens=max(0, total - read - creation),
            cache_creation_input_tokens=creation,
            cache_read_input_tokens=read,
            ephemeral_5m_input_tokens=created["5m"],
            ephemeral_1h_input_tokens=created["1h"],
        )

    def _longest_hit(self, blocks: list[PromptBlock], breakpoints: list[int], now: float) -> int:
        hit = -1
        for bp in breakpoints:
            for pos in range(bp, max(-1, bp - LOOKBACK_BLOCKS), -1):
                if pos <= hit:
                    break
                if self._expiry.get(blocks[pos].digest, 0.0) > now:
                    hit = pos
                    break
        return hit

    def _store(self, digest: bytes, ttl: str, now: float) -> None:
        expiry = now + TTL_SECONDS.get(ttl, TTL_SECONDS["5m"])
        self._expiry[digest] = max(expiry, self._expiry.get(digest, 0.0))
