"""The transition table: legal moves lead where the table says, everything else raises."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import dataclass

import pytest

from roadmapd.engine import (
    TRANSITIONS,
    IllegalTransition,
    TaskStatus,
    Trigger,
    next_status,
    run_order,
)
from roadmapd.statuses import ACTIVE, DONE, WAITING, WORKING


@dataclass(frozen=True)
class T:
    id: str
    depends: tuple[str, ...] = ()
    title: str = ""
    checked: bool = False


def test_every_pair_outside_the_table_raises() -> None:
    illegal = 0
    for status, trigger in itertools.product(TaskStatus, Trigger):
        if (status, trigger) in TRANSITIONS:
            assert next_status(status, trigger) is TRANSITIONS[(status, trigger)]
            continue
        illegal += 1
        with pytest.raises(IllegalTransition):
            next_status(status, trigger)
    assert illegal > 80  # the table is sparse: most pairs are illegal


@pytest.mark.parametrize(
    ("status", "trigger"),
    [
        (TaskStatus.IDLE, Trigger.START),  # must be queued first
        (TaskStatus.COMMITTED, Trigger.CHECKS_PASSED),
        (TaskStatus.FAILED, Trigger.COMMITTED),  # a failed task is never committed
        (TaskStatus.RUNNING, Trigger.CHECKS_PASSED),  # no pass without verifying
        (TaskStatus.RUNNING, Trigger.QUEUE),
        (TaskStatus.ROLLED_BACK, Trigger.ROLL_BACK),
    ],
)
def test_named_illegal_transitions(status: TaskStatus, trigger: Trigger) -> None:
    with pytest.raises(IllegalTransition, match=f"illegal transition: '{trigger.value}'"):
        next_status(status, trigger)


def test_the_happy_path() -> None:
    status = TaskStatus.IDLE
    for trigger in (Trigger.QUEUE, Trigger.START, Trigger.AGENT_DONE, Trigger.CHECKS_PASSED):
        status = next_status(status, trigger)
    assert next_status(status, Trigger.COMMITTED) is TaskStatus.COMMITTED
    assert next_status(TaskStatus.VERIFYING, Trigger.RETRY) is TaskStatus.RUNNING
    assert next_status(TaskStatus.RUNNING, Trigger.INTERRUPT) is TaskStatus.INTERRUPTED


def test_run_order_puts_dependencies_first_and_survives_cycles_and_long_chains() -> None:
    ids = [t.id for t in run_order([T("c", ("b",)), T("a"), T("b", ("a", "x")), T("a")])]
    assert ids == ["a", "b", "c"]
    assert [t.id for t in run_order([T("p", ("q",)), T("q", ("p",))])] == ["q", "p"]
    chain = [T(f"t{i}", (f"t{i - 1}",) if i else ()) for i in range(5000)]
    assert [t.id for t in run_order(chain[::-1])] == [t.id for t in chain]


def test_the_named_sets_of_statuses() -> None:
    s = TaskStatus
    assert {s.QUEUED, s.RUNNING, s.VERIFYING, s.AWAITING_APPROVAL} == ACTIVE
    assert {s.AWAITING_APPROVAL} == WAITING
    # the editor's progress ends while a task waits for the user's approval
    assert {s.QUEUED, s.RUNNING, s.VERIFYING} == WORKING
    assert {s.PASSED, s.COMMITTED} == DONE
    assert not ACTIVE & DONE
    # the wire's status strings are members too (the server reads them from TaskState)
    assert "awaiting_approval" in ACTIVE and "awaiting_approval" not in WORKING


def test_the_server_reads_the_statuses_without_loading_the_engine() -> None:
    probe = (
        "import sys, roadmapd.statuses, roadmapd.server.taskview\n"
        "print(sorted(m for m in sys.modules if m.startswith('roadmapd.engine')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
