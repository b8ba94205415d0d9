"""The terminal face of roadmapd: one module per command of `roadmapd` (see `roadmapd.cli`).

Commands return an exit code (see `console/common.py`); they print results to stdout and
errors, problems and hints to stderr.
"""
