"""Price table and cost of one request. Update `PRICES` when Anthropic changes its prices.

Prices are US dollars per million tokens. A model id matches the longest table key it starts
with (so `claude-sonnet-4-5-20250929` uses `claude-sonnet-4-5`). A model that matches nothing
(a local server, a future model) is priced as `FALLBACK` (Sonnet-class prices), so budgets stay
meaningful; `is_known(model)` tells the caller the figure is an estimate, and `format_cost`
then marks it (`~$0.0031`): the one way a cost is written, in the CLI and in the editor.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Price:
    input: float
    cache_write: float  # 5-minute cache writes: 1.25 x input
    cache_read: float  # 0.1 x input
    output: float


PRICES: dict[str, Price] = {
    "claude-opus-4-6": Price(5.0, 6.25, 0.50, 25.0),
    "claude-sonnet-4-6": Price(3.0, 3.75, 0.30, 15.0),
    "claude-opus-4-5": Price(5.0, 6.25, 0.50, 25.0),
    "claude-opus-4-1": Price(15.0, 18.75, 1.50, 75.0),
    "claude-opus-4": Price(15.0, 18.75, 1.50, 75.0),
    "claude-sonnet-4-5": Price(3.0, 3.75, 0.30, 15.0),
    "claude-sonnet-4": Price(3.0, 3.75, 0.30, 15.0),
    "claude-3-7-sonnet": Price(3.0, 3.75, 0.30, 15.0),
    "claude-haiku-4-5": Price(1.0, 1.25, 0.10, 5.0),
    "claude-3-5-haiku": Price(0.80, 1.0, 0.08, 4.0),
}
FALLBACK = Price(3.0, 3.75, 0.30, 15.0)


def price_of(model: str) -> Price:
    matches = [key for key in PRICES if model.startswith(key)]
    return PRICES[max(matches, key=len)] if matches else FALLBACK


def is_known(model: str) -> bool:
    return any(model.startswith(key) for key in PRICES)


def cost_usd(
    model: str, *, input_tokens: int, cache_write: int, cache_read: int, output_tokens: int
) -> float:
    price = price_of(model)
    return (
        input_tokens * price.input
        + cache_write * price.cache_write
        + cache_read * price.cache_read
        + output_tokens * price.output
    ) / 1_000_000


def is_estimate(*models: str) -> bool:
    """Whether a cost of requests to these models is an estimate: one of them has no known price
    (it was priced as `FALLBACK`)."""
    return not all(is_known(model) for model in models)


def format_cost(usd: float, *, estimate: bool = False, short: bool = False) -> str:
    """A cost as every face shows it (the CLI's progress, summary, `status` and `log`; the
    editor's lenses, hints, hovers and transcript): `$0.0123`, or in short (lenses, hints)
    `$0.01` and `<$0.01` below half a cent. An estimate is marked: `~$0.0123`, `~<$0.01`."""
    mark = "~" if estimate else ""
    if short:
        return f"{mark}<$0.01" if 0 < usd < 0.005 else f"{mark}${usd:.2f}"
    return f"{mark}${usd:.4f}"
