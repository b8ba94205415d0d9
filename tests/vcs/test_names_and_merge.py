"""Ref names for any task id, snapshot metadata, and hunk replay (pure parts, no repository)."""

from __future__ import annotations

import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from roadmapd.vcs.merge import replay_change
from roadmapd.vcs.refs import (
    SnapshotMeta,
    checkpoint_ref,
    decode_id,
    encode_id,
    format_meta,
    parse_meta,
)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=20))
def test_any_task_id_makes_a_valid_ref_that_decodes_back(task_id: str) -> None:
    ref = checkpoint_ref(task_id, 3)
    assert decode_id(encode_id(task_id)) == task_id
    ok = subprocess.run(["git", "check-ref-format", ref], capture_output=True, check=False)
    assert ok.returncode == 0, ref


def test_tricky_ids_are_readable_where_possible() -> None:
    assert encode_id("1.2") == "1.2"
    assert encode_id("T003 [P]") == "T003%20%5BP%5D"
    assert encode_id("a..b.lock") != "a..b.lock"


def test_snapshot_metadata_round_trips() -> None:
    meta = SnapshotMeta("checkpoint", "1.2", "Add\nlogin", None, "refs/heads/main", "ab" * 20, 1.5)
    back = parse_meta(format_meta(meta))
    assert back == SnapshotMeta(
        "checkpoint", "1.2", "Add login", None, "refs/heads/main", "ab" * 20, 1.5
    )


ROADMAP_PRE = b"# R\n\n- [ ] one\n- [ ] two\n"
ROADMAP_POST = b"# R\n\n- [x] one\n- [ ] two\n"


def test_adjacent_tick_does_not_block_taking_a_tick_back() -> None:
    later = b"# R\n\n- [x] one\n- [x] two\n"
    assert replay_change(ROADMAP_POST, ROADMAP_PRE, later) == b"# R\n\n- [ ] one\n- [x] two\n"


def test_edit_of_the_same_line_is_a_conflict() -> None:
    later = b"# R\n\n- [x] one, renamed\n- [ ] two\n"
    assert replay_change(ROADMAP_POST, ROADMAP_PRE, later) is None


def test_binary_content_is_never_merged() -> None:
    assert replay_change(b"a\0", b"b\0", b"c\0") is None


lines = st.lists(st.sampled_from([b"x\n", b"y\n", b"z\n", b"w\n"]), max_size=8)


@settings(max_examples=80, deadline=None)
@given(lines, lines, lines)
def test_replay_is_exact_when_target_is_the_base_or_the_change_is_reversible(
    a: list[bytes], b: list[bytes], tail: list[bytes]
) -> None:
    before, after = b"".join(a), b"".join(b)
    assert replay_change(before, after, before) == after
    # edits appended after a sentinel line stay put and the change still replays
    onto = before + b"SENTINEL\n" + b"".join(tail)
    out = replay_change(before, after, onto)
    if out is not None:
        assert out.endswith(b"SENTINEL\n" + b"".join(tail))
