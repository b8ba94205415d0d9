"""A tiny calculator: the example project of `roadmapd demo`."""


def add(a: float, b: float) -> float:
    """The sum of a and b."""
    return a + b
