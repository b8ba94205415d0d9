"""The runner: exit codes decide, timeouts and cancellation leave no process behind, secrets
stay out of the checks' environment, and a failure is never silent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from roadmapd.verify import CheckSpec, run_checks


def alive(pid: int) -> bool:
    """True if the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def _wait_for_file(path: Path) -> None:
    while not path.exists() or not path.read_text().strip():
        await asyncio.sleep(0.02)


async def test_no_checks_does_not_pass(tmp_path: Path) -> None:
    report = await run_checks(tmp_path, [])
    assert report.results == ()
    assert not report.passed


@pytest.mark.parametrize("parser", ["none", "regex", "pytest"])
async def test_output_that_claims_success_does_not_count(tmp_path: Path, parser: str) -> None:
    spec = CheckSpec("liar", "echo 'all tests passed'; echo '100% green'; exit 1", parser)  # type: ignore[arg-type]
    (result,) = (await run_checks(tmp_path, [spec])).results
    assert not result.passed and result.exit_code == 1
    assert len(result.problems) == 1
    assert "exit code 1" in result.problems[0].message
    assert "all tests passed" in result.problems[0].message  # the tail, so nothing is hidden


async def test_exit_code_zero_passes_with_parser_none(tmp_path: Path) -> None:
    (result,) = (await run_checks(tmp_path, [CheckSpec("ok", "true", "none")])).results
    assert result.passed and result.problems == () and result.summary == "passed"


async def test_unparseable_output_yields_one_problem_with_the_tail(tmp_path: Path) -> None:
    lines = "; ".join(f"echo line{i}" for i in range(100))
    spec = CheckSpec("noise", f"{lines}; exit 3", "mypy")
    (result,) = (await run_checks(tmp_path, [spec])).results
    assert not result.passed
    (problem,) = result.problems
    assert problem.file is None and problem.code == "exit-code"
    assert "line99" in problem.message and "line0\n" not in problem.message
    assert result.output_tail.endswith("line99")


async def test_missing_command_fails_clearly(tmp_path: Path) -> None:
    spec = CheckSpec("ghost", "no-such-command-xyz --flag", "regex")
    (result,) = (await run_checks(tmp_path, [spec])).results
    assert not result.passed and result.exit_code == 127
    assert "not found" in result.problems[0].message


async def test_invalid_check_is_not_run(tmp_path: Path) -> None:
    specs = [
        CheckSpec("typo", "touch ran", "pytets"),  # type: ignore[arg-type]
        CheckSpec("bad-re", "touch ran", "regex", pattern="(?P<file>x"),
    ]
    report = await run_checks(tmp_path, specs)
    assert [r.passed for r in report.results] == [False, False]
    assert "parser: expected one of pytest, junit" in report.results[0].problems[0].message
    assert "pattern: not a valid regular expression" in report.results[1].problems[0].message
    assert not (tmp_path / "ran").exists()


async def test_hanging_check_times_out_and_leaves_no_process(tmp_path: Path) -> None:
    spec = CheckSpec(
        "hang", "sleep 600 & echo $! > child.pid; echo started; wait", "none", timeout_s=1
    )
    (result,) = (await run_checks(tmp_path, [spec])).results
    assert not result.passed and result.exit_code is None
    assert result.summary == "timed out after 1 s"
    assert "timed out" in result.problems[0].message and "started" in result.problems[0].message
    assert not alive(int((tmp_path / "child.pid").read_text()))


async def test_leftover_background_process_is_killed(tmp_path: Path) -> None:
    spec = CheckSpec("bg", "sleep 600 & echo $! > child.pid; echo done", "none")
    (result,) = (await run_checks(tmp_path, [spec])).results
    assert result.passed
    assert not alive(int((tmp_path / "child.pid").read_text()))


async def test_cancellation_kills_the_process_group(tmp_path: Path) -> None:
    spec = CheckSpec("slow", "sleep 600 & echo $! > child.pid; wait", "none")
    task = asyncio.create_task(run_checks(tmp_path, [spec]))
    await asyncio.wait_for(_wait_for_file(tmp_path / "child.pid"), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(int((tmp_path / "child.pid").read_text()))


async def test_independent_checks_run_concurrently(tmp_path: Path) -> None:
    """Each check waits until the other has started: run one after the other, both time out."""

    def meet(me: str, other: str) -> str:
        return f"touch {me}; while [ ! -e {other} ]; do sleep 0.02; done; echo met"

    specs = [
        CheckSpec("a", meet("a.started", "b.started"), "none", timeout_s=30),
        CheckSpec("b", meet("b.started", "a.started"), "none", timeout_s=30),
    ]
    report = await run_checks(tmp_path, specs)
    assert report.passed, [r.summary for r in report.results]


async def test_serial_checks_run_alone(tmp_path: Path) -> None:
    """Each check holds a directory lock for a while; an overlap makes one of them fail."""
    hold = "mkdir lock || exit 9; sleep 0.3; rmdir lock"
    specs = [
        CheckSpec("one", hold, "none", serial=True),
        CheckSpec("two", hold, "none", serial=True),
        CheckSpec("three", hold, "none"),
    ]
    report = await run_checks(tmp_path, specs)
    assert [r.name for r in report.results] == ["one", "two", "three"]
    assert [r.exit_code for r in report.results] == [0, 0, 0]


async def test_secrets_are_not_visible_to_checks(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "ANTHROPIC_API_KEY": "zz-hidden-1",
        "ANTHROPIC_BASE_URL": "http://zz-hidden-2",
        "OPENAI_API_KEY": "zz-hidden-3",
        "GITHUB_TOKEN": "zz-hidden-4",
        "AWS_SECRET_ACCESS_KEY": "zz-hidden-5",
        "PLAIN_SETTING": "visible-value",
    }
    seen: list[tuple[str, str]] = []
    spec = CheckSpec("env", "env", "none")
    report = await run_checks(tmp_path, [spec], env=env, on_output=lambda n, t: seen.append((n, t)))
    streamed = "".join(text for _, text in seen)
    assert {name for name, _ in seen} == {"env"}
    assert "PLAIN_SETTING=visible-value" in streamed
    assert "zz-hidden" not in streamed
    assert "zz-hidden" not in report.results[0].output_tail


async def test_broken_output_callback_does_not_break_the_check(tmp_path: Path) -> None:
    def explode(name: str, text: str) -> None:
        raise RuntimeError("callback bug")

    report = await run_checks(tmp_path, [CheckSpec("ok", "echo hi", "none")], on_output=explode)
    assert report.passed
