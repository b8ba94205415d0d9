"""Run checks as asyncio subprocesses in the workspace and decide, from their exit codes and
parsed output, whether they passed. The agent's word counts for nothing here.

Each check runs in its own session (process group) so that a timeout or a cancellation kills
everything it started; leftovers of a finished check are killed too. At most `max_parallel`
checks run at once; `serial` checks run afterwards, one at a time.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import re
import shlex
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from roadmapd.containment.jail import Sandbox, kill_jailed
from roadmapd.problems import CheckReport, CheckResult
from roadmapd.verify.environment import check_environment
from roadmapd.verify.locations import make_problem, tail
from roadmapd.verify.parsers import TEST_PARSERS, parse_check
from roadmapd.verify.parsers.pytest_junit import test_outcomes
from roadmapd.verify.spec import CheckSpec, spec_error

OutputCallback = Callable[[str, str], None]

log = logging.getLogger(__name__)

MAX_OUTPUT_CHARS = 4_000_000  # kept for parsing; older output is dropped
DRAIN_S = 5.0  # how long to wait for the output pipe to close after the check has ended
_PYTEST_WORD = re.compile(r"(?:^|(?<=[\s;&|(]))(?:[^\s;&|()]*/)?(?:pytest|py\.test)(?=[\s;&|)]|$)")


@dataclass
class _Output:
    """The output of one check as it arrives, forwarded to the caller's callback."""

    name: str
    callback: OutputCallback | None
    chunks: list[str] = field(default_factory=list)
    size: int = 0

    def add(self, text: str) -> None:
        if not text:
            return
        self.chunks.append(text)
        self.size += len(text)
        if self.size > 2 * MAX_OUTPUT_CHARS:
            kept = "".join(self.chunks)[-MAX_OUTPUT_CHARS:]
            self.chunks, self.size = [kept], len(kept)
        if self.callback is not None:
            try:
                self.callback(self.name, text)
            except Exception:
                log.exception(
                    "on_output callback failed for check %r; no more output sent", self.name
                )
                self.callback = None

    def text(self) -> str:
        return "".join(self.chunks)


async def _collect(stream: asyncio.StreamReader, out: _Output) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while chunk := await stream.read(65536):
        out.add(decoder.decode(chunk))
    out.add(decoder.decode(b"", final=True))


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _with_junit(spec: CheckSpec, xml_path: str, env: dict[str, str]) -> str:
    """The command to run, made to write a JUnit report to xml_path where it can."""
    quoted = shlex.quote(xml_path)
    if "{junit_xml}" in spec.run:
        return spec.run.replace("{junit_xml}", quoted)
    if spec.parser != "pytest":
        return spec.run
    match = _PYTEST_WORD.search(spec.run)
    if match is not None:
        return f"{spec.run[: match.end()]} --junitxml={quoted}{spec.run[match.end() :]}"
    # pytest runs somewhere inside (make, tox, a script): reach it through its environment.
    env["PYTEST_ADDOPTS"] = f"{env.get('PYTEST_ADDOPTS', '')} --junitxml={quoted}".strip()
    return spec.run


def _not_run(
    root: Path, spec: CheckSpec, message: str, summary: str, started: float, code: str
) -> CheckResult:
    problem = make_problem(root, spec.name, message, file=None, code=code)
    duration = time.monotonic() - started
    return CheckResult(spec.name, spec.run, False, None, duration, (problem,), "", summary)


async def _open_output_pipe() -> tuple[int, asyncio.StreamReader, asyncio.ReadTransport]:
    """A pipe we own: asyncio's wait() would otherwise also wait for every process that
    inherited the check's stdout, so a background leftover could stall it."""
    read_fd, write_fd = os.pipe()
    reader = asyncio.StreamReader()
    try:
        transport, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", buffering=0)
        )
    except BaseException:
        os.close(write_fd)
        raise
    return write_fd, reader, transport


async def _execute(
    root: Path,
    spec: CheckSpec,
    command: str,
    env: dict[str, str],
    out: _Output,
    jail: Sandbox | None,
    report_dir: str,
    readonly: Sequence[Path] = (),
) -> int | None:
    """Run the command; its exit code, or None if it timed out. Kills its group in any case."""
    argv = ["/bin/sh", "-c", command]
    if jail is not None:
        argv = jail.wrap(argv, root, writable=[Path(report_dir)], readonly=readonly)
    write_fd, reader, transport = await _open_output_pipe()
    try:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=root,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
        collector = asyncio.ensure_future(_collect(reader, out))
        exit_code: int | None = None
        try:
            exit_code = await asyncio.wait_for(proc.wait(), spec.timeout_s)
        except TimeoutError:
            pass
        finally:
            _kill_group(proc.pid)  # on timeout, on cancellation, and leftovers of a finished check
            if jail is not None and jail.active:
                kill_jailed(argv)
            if proc.returncode is None:
                await proc.wait()
            if jail is not None and jail.active:  # bwrap is reaped: any child it made exists
                kill_jailed(argv)
            try:
                await asyncio.wait_for(asyncio.shield(collector), DRAIN_S)
            except TimeoutError:  # a process that left the group still holds the pipe
                collector.cancel()
        return exit_code
    finally:
        transport.close()


async def _run_one(
    root: Path,
    spec: CheckSpec,
    base_env: dict[str, str],
    callback: OutputCallback | None,
    jail: Sandbox | None,
    readonly: Sequence[Path] = (),
) -> CheckResult:
    started = time.monotonic()
    if (error := spec_error(spec)) is not None:
        return _not_run(root, spec, error, "not run: invalid check", started, "bad-check")
    env = dict(base_env)
    if spec.parser == "ruff":
        env.setdefault("RUFF_OUTPUT_FORMAT", "json")
    out = _Output(spec.name, callback)
    report_dir = tempfile.mkdtemp(prefix="roadmapd-check-")
    xml_path = os.path.join(report_dir, "junit.xml")
    try:
        command = _with_junit(spec, xml_path, env) if spec.parser in TEST_PARSERS else spec.run
        try:
            exit_code = await _execute(root, spec, command, env, out, jail, report_dir, readonly)
        except OSError as exc:
            message = f"{spec.name} could not start in {root}: {exc}"
            return _not_run(root, spec, message, f"could not start: {exc}", started, "not-started")
        junit_xml = None
        if os.path.exists(xml_path):
            junit_xml = Path(xml_path).read_text(encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(report_dir, ignore_errors=True)
    output = out.text()
    parsed = parse_check(
        spec.parser,
        output,
        root,
        source=spec.name,
        junit_xml=junit_xml,
        pattern=spec.pattern,
        exit_code=exit_code,
    )
    problems = list(parsed.problems)
    if exit_code is None:
        summary = f"timed out after {spec.timeout_s:g} s"
        shown = tail(output) or "(no output)"
        message = f"{spec.name} {summary} and was stopped; last lines of its output:\n{shown}"
        problems.append(make_problem(root, spec.name, message, file=None, code="timeout"))
        passed = False
    else:
        tests_ok = spec.parser not in TEST_PARSERS or (parsed.tests_run or 0) > 0
        passed = exit_code == 0 and tests_ok
        summary = parsed.summary or ("passed" if passed else f"{len(problems)} problem(s)")
        if exit_code != 0:
            summary += f" (exit code {exit_code})"
    return CheckResult(
        spec.name,
        spec.run,
        passed,
        exit_code,
        time.monotonic() - started,
        tuple(problems),
        tail(output),
        summary,
        test_outcomes(junit_xml) if junit_xml else (),
    )


async def run_checks(
    root: Path,
    specs: Sequence[CheckSpec],
    *,
    env: Mapping[str, str] | None = None,
    on_output: OutputCallback | None = None,
    max_parallel: int = 2,
    jail: Sandbox | None = None,
    readonly: Sequence[Path] = (),
) -> CheckReport:
    """Run the checks in `root`; results in the order of `specs`.

    With a `jail`, each check runs inside it with its allowlisted environment (the daemon's
    way: the checks run code the agent wrote). Without one, `env` is the base environment
    (default: the daemon's own) with secrets removed: for tests and trusted callers.
    `on_output(check_name, text)` receives the output as it arrives. No specs -> an empty
    report, which does not pass.
    """
    if not specs:
        return CheckReport(results=())
    base_env = check_environment(jail.env() if jail is not None and env is None else env)
    limit = asyncio.Semaphore(max(1, max_parallel))

    async def bounded(spec: CheckSpec) -> CheckResult:
        async with limit:
            return await _run_one(root, spec, base_env, on_output, jail, readonly)

    async with asyncio.TaskGroup() as group:  # cancelling us cancels (and kills) them all
        tasks = {i: group.create_task(bounded(s)) for i, s in enumerate(specs) if not s.serial}
    results = {i: task.result() for i, task in tasks.items()}
    for i, spec in enumerate(specs):
        if spec.serial:
            results[i] = await _run_one(root, spec, base_env, on_output, jail, readonly)
    return CheckReport(results=tuple(results[i] for i in range(len(specs))))
