"""Short texts for the editor: a reason or an error clipped to what a lens or a message holds."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """`text`, or its first `limit - 1` characters and an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
