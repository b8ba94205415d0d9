"""A wire-faithful fake of the Anthropic Messages API for tests, demos and users' own tests.

Run it with `python -m roadmapd.testing.fake_anthropic --script SCRIPT.json`, or from Python
with `FakeServer` (harness.py) and the script builders in script.py.
"""

from roadmapd.testing.harness import FakeServer, FakeServerError

__all__ = ["FakeServer", "FakeServerError"]
