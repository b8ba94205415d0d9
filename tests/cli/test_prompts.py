"""The terminal answers of the review gate and of risky commands (ConsoleApproval)."""

from __future__ import annotations

import io
from typing import Any

from roadmapd.console.approval import ConsoleApproval
from roadmapd.roadmap import parse

TASK = parse("- [ ] Add subtract <!-- id: sub -->\n").tasks[0]


def _gate(*answers: str, **kw: Any) -> tuple[ConsoleApproval, io.StringIO]:
    out, feed = io.StringIO(), list(answers)
    gate = ConsoleApproval(
        yes=kw.get("yes", False),
        interactive=kw.get("interactive", True),
        out=out,
        read_line=lambda: feed.pop(0) + "\n",
    )
    return gate, out


async def test_terminal_answers() -> None:
    gate, out = _gate("y", "n", "t", "o", "")
    assert await gate.approve(TASK, "diff --git a/calc.py b/calc.py\n+x") is True
    assert "Commit sub? [y/N]" in out.getvalue() and "+x" in out.getvalue()
    assert await gate.approve(TASK, "") is False
    assert await gate.ask_command("T1", "curl x", "risky") == "task"
    assert await gate.ask_command("T1", "curl x", "risky") == "once"
    assert await gate.ask_command("T1", "curl x", "risky") == "deny"  # the default is no


async def test_yes_and_no_terminal() -> None:
    gate, out = _gate(yes=True)
    assert (
        await gate.approve(TASK, "") is True
        and await gate.ask_command("T1", "sudo x", "") == "once"
    )
    assert out.getvalue() == ""
    gate, out = _gate(interactive=False)
    assert await gate.approve(TASK, "") is False
    assert await gate.ask_command("T1", "sudo x", "it matches") == "deny"
    assert "stdin is not a terminal: rejected" in out.getvalue()
    assert "it was not allowed (run with --yes" in out.getvalue()
