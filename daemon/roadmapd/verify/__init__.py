"""Verification the agent cannot fake: run the checks, parse their output into Problems.

The daemon, not the agent, decides whether a task passed: a check passes only if it exits 0
and, for test runners, at least one test ran.
"""

from roadmapd.verify.defaults import detect_default_checks
from roadmapd.verify.parsers import parse_check
from roadmapd.verify.retry import format_for_retry
from roadmapd.verify.runner import run_checks
from roadmapd.verify.spec import PARSERS, CheckSpec, ParserName, check_for_command, spec_error

__all__ = [
    "PARSERS",
    "CheckSpec",
    "ParserName",
    "check_for_command",
    "detect_default_checks",
    "format_for_retry",
    "parse_check",
    "run_checks",
    "spec_error",
]
