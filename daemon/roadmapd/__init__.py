"""roadmapd: turns the checkbox tasks of a ROADMAP.md into verified git commits."""

__version__ = "0.1.0"
