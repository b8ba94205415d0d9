"""The composition root: one workspace's engine with the concrete adapters wired to its ports.

Both faces (the CLI and the language server) build their engine here, so a task runs the same
way in a terminal and in an editor. The only differences they pass in are how the checkbox is
written (disk vs `workspace/applyEdit`) and where the events go besides the state store.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from roadmapd.agent.prompts import NEXT_TASK_LEAD, task_prompt
from roadmapd.agent.questions import AskFor, AskLater, asker_of
from roadmapd.agent.review import Review, Reviewer, review_prompt
from roadmapd.agent.session import AgentSession
from roadmapd.agent.settings import AgentSettings
from roadmapd.checkbox import DiskTick, set_checked_on_disk
from roadmapd.config import Config
from roadmapd.containment.jail import Sandbox, hook_jail, make_sandbox
from roadmapd.engine import (
    DONE,
    AgentSessionPort,
    ApprovalPort,
    EngineSettings,
    Event,
    EventSink,
    TaskEngine,
    TaskLike,
    TaskStatus,
)
from roadmapd.engine.commands import Ask, CommandGate, RiskyCommands
from roadmapd.engine.retry import summarize
from roadmapd.engine.reverify import ReverifyResult
from roadmapd.memory import MemoryRecorder, ProjectMemory, recall
from roadmapd.problems import CheckReport
from roadmapd.roadmap import DocumentTask, Task, task_of
from roadmapd.role_settings import agent_settings, jail_settings
from roadmapd.store.background import BackgroundSinks
from roadmapd.store.recorder import StateRecorder
from roadmapd.tracing import event_tracer
from roadmapd.vcs import Checkpoint, GitWorkspace, VcsError
from roadmapd.verify import (
    CheckSpec,
    check_for_command,
    detect_default_checks,
    format_for_retry,
    run_checks,
)
from roadmapd.verify.evidence import evidence_specs, prepare_evidence_tree
from roadmapd.workspace_base import WorkspaceBase
from roadmapd.workspace_base import WorkspaceError as WorkspaceError
from roadmapd.workspace_lanes import RoadmapCheckbox, WorkspaceLanes

#: What an engine of a workspace runs: a task (the CLI), or a task with its document (the
#: language server: its ports get the document with the task).
RoadmapItem = TypeVar("RoadmapItem", Task, DocumentTask)


class AgentAdapter:
    """The engine's AgentPort: a fresh AgentSession per attempt series, prompted with the task.

    `memory` (when given) is asked for the project-memory section of each task's prompt;
    `gate` is asked before each bash command of the task's agent (see `engine.commands`);
    `ask_user` answers its `ask_user` tool (None: the tool is not offered; `ASK_LATER`: a
    question ends the conversation, and `resume` takes it up with the answer).
    """

    def __init__(
        self,
        root: Path,
        settings: AgentSettings,
        api_key: str | None,
        memory: Callable[[Task], str] | None = None,
        gate: CommandGate | None = None,
        ask_user: AskFor | AskLater | None = None,
        in_progress: Callable[[Task | DocumentTask], bool] | None = None,
    ) -> None:
        self.root, self.settings, self._api_key = root, settings, api_key
        self._memory, self._gate, self._ask_user = memory, gate, ask_user
        self._in_progress = in_progress

    async def open(
        self,
        item: Task | DocumentTask,
        *,
        context: str | None,
        after: AgentSessionPort | None = None,
    ) -> AgentSession:
        task = task_of(item)
        marked = self._in_progress is not None and self._in_progress(item)
        memory = self._memory(task) if self._memory else ""
        prompt = task_prompt(task, memory=memory, in_progress=marked)
        if context:
            prompt += "\n\n" + context
        ask = self._gate.for_task(task.id) if self._gate is not None else None
        question = asker_of(self._ask_user, task.id) if self._ask_user is not None else None
        if isinstance(after, AgentSession):
            after.next_task(NEXT_TASK_LEAD + prompt, approve_command=ask, ask_user=question)
            return after
        return AgentSession(
            self.root,
            self.settings,
            api_key=self._api_key,
            approve_command=ask,
            prompt=prompt,
            ask_user=question,
        )

    async def resume(self, item: Task | DocumentTask, conversation: dict[str, Any]) -> AgentSession:
        """A session taking up a conversation saved when its agent asked a question."""
        task = task_of(item)
        ask = self._gate.for_task(task.id) if self._gate is not None else None
        question = asker_of(self._ask_user, task.id) if self._ask_user is not None else None
        session = AgentSession(
            self.root, self.settings, api_key=self._api_key, approve_command=ask, ask_user=question
        )
        session.restore(conversation)
        return session


class ReviewerAdapter:
    """The engine's ReviewerPort: the reviewer role on the task, its diff and its checks."""

    def __init__(self, settings: AgentSettings, api_key: str | None, model: str | None) -> None:
        self._settings, self._api_key, self._model = settings, api_key, model

    async def review(self, item: Task | DocumentTask, diff: str, report: CheckReport) -> Review:
        task = task_of(item)
        prompt = review_prompt(task.title, task.body, task.acceptance, diff, summarize(report))
        reviewer = Reviewer(self._settings, api_key=self._api_key, model=self._model)
        return await reviewer.review(prompt)


def memory_for(memory: ProjectMemory, max_tokens: int) -> Callable[[Task], str]:
    """The memory section builder of a workspace: the entries relevant to the task, bounded."""

    def build(task: Task) -> str:
        if max_tokens <= 0:
            return ""
        text = " ".join((task.title, *task.body, *task.acceptance))
        return recall(
            memory.entries(), text=text, files=task.files, max_tokens=max_tokens, exclude=task.id
        )

    return build


class CheckRunner:
    """The engine's VerifierPort: the configured or detected checks plus the task's Verify lines."""

    def __init__(self, root: Path, config: Config, env: Mapping[str, str] | None = None) -> None:
        self.root, self._env = root, env
        self._jail_settings = jail_settings(config)
        self._jail: Sandbox | None = None
        self._evidence_run = config.evidence_run
        if config.checks:
            self.specs = [
                CheckSpec(c.name, c.run, c.parser, c.timeout_s, c.pattern, c.serial)
                for c in config.checks
            ]
            self.reasons = ["checks from the project configuration"]
        else:
            self.specs, self.reasons = detect_default_checks(root)

    def specs_for(self, task: TaskLike) -> list[CheckSpec]:
        own = [
            check_for_command(line, f"verify-{i}" if len(task.verify) > 1 else "verify")
            for i, line in enumerate(task.verify, 1)
        ]
        return [*self.specs, *own]

    async def _ready_jail(self) -> Sandbox:
        if self._jail is None:
            self._jail = await make_sandbox(self._jail_settings)
        if (refusal := self._jail.refusal) is not None:
            raise WorkspaceError(refusal)
        return self._jail

    async def verify(self, task: TaskLike) -> CheckReport:
        jail = await self._ready_jail()
        return await run_checks(self.root, self.specs_for(task), env=self._env, jail=jail)

    async def baseline(self, task: TaskLike) -> CheckReport:
        return await self.verify(task)  # before the first attempt the tree is the checkpoint

    async def tests_at_checkpoint(
        self, task: TaskLike, checkpoint: Checkpoint, files: Sequence[str]
    ) -> CheckReport:
        jail = await self._ready_jail()
        specs = evidence_specs(self.specs, files, self._evidence_run)
        if not specs:
            return CheckReport(results=())
        with tempfile.TemporaryDirectory(prefix="roadmapd-evidence-") as tmp:
            tree = Path(tmp) / "checkpoint"
            tree.mkdir()
            await GitWorkspace(self.root).export_checkpoint(checkpoint, tree)
            prepare_evidence_tree(self.root, tree, files)
            return await run_checks(tree, specs, env=self._env, jail=jail, readonly=[self.root])

    async def at_head(
        self, tasks: Sequence[TaskLike]
    ) -> tuple[CheckReport, dict[str, CheckReport]]:
        """The engine's HeadChecksPort (re-verify): HEAD's committed tree exported to a temporary
        folder (the ignored environments linked in), the project's checks run there once and
        each task's `Verify:` commands after them, all in the jail; the work tree is not read."""
        jail = await self._ready_jail()
        with tempfile.TemporaryDirectory(prefix="roadmapd-head-") as tmp:
            tree = Path(tmp) / "head"
            tree.mkdir()
            try:
                await GitWorkspace(self.root).export_head(tree)
            except VcsError as exc:
                why = str(exc).splitlines()[0]
                raise WorkspaceError(f"no commit to re-verify at HEAD ({why})") from None
            prepare_evidence_tree(self.root, tree, [])
            ro = [self.root]
            project = await run_checks(tree, self.specs, env=self._env, jail=jail, readonly=ro)
            own: dict[str, CheckReport] = {}
            for task in tasks:
                specs = self.specs_for(task)[len(self.specs) :]
                if specs:
                    own[task.id] = await run_checks(
                        tree, specs, env=self._env, jail=jail, readonly=ro
                    )
            return project, own


class DiskCheckbox:
    """The engine's CheckboxPort for a roadmap file that is not open in an editor."""

    def __init__(self, path: Path, kiro_globs: Sequence[str] = ()) -> None:
        self.path, self.kiro_globs = path, tuple(kiro_globs)

    def roadmap_path(self, task: Task) -> Path | None:
        return self.path

    async def set_checked(self, task: Task, checked: bool) -> None:
        # In a worker: the write fsyncs the file and its folder, and other lanes run meanwhile.
        tick = await asyncio.to_thread(
            set_checked_on_disk, self.path, task.id, checked, self.kiro_globs
        )
        if tick is DiskTick.NO_TASK:
            raise WorkspaceError(f"{self.path.name}: task {task.id} is no longer in the file")


async def sandbox_refusal(config: Config) -> str | None:
    """Why no task may run (no working sandbox and it was not turned off), or None."""
    return (await make_sandbox(jail_settings(config))).refusal


def engine_settings(config: Config) -> EngineSettings:
    return EngineSettings(
        max_attempts=config.max_attempts,
        retry=config.retry,
        branch_mode=config.commit_mode,
        run_budget_usd=config.run_budget_usd,
        approval=config.approval,
        # PR mode: one task at a time, each on its own branch (CI fans tasks out over jobs)
        max_parallel=1 if config.commit_mode == "pr" else config.max_parallel,
        allow_weaken=config.allow_weaken,
        max_file_mb=config.max_file_mb,
        strict_files=config.strict_files,
        allow_large=config.allow_large,
        evidence=config.evidence,
        baseline_failures=config.baseline_failures,
        review=config.review,
        batch_size=config.batch_size,
    )


@dataclass
class Workspace(WorkspaceBase):
    """A git work tree with its configuration, state store and git facade (and its engine)."""

    git: GitWorkspace
    api_key: str | None = None
    _recorder: StateRecorder | None = field(default=None, repr=False)
    _writer: BackgroundSinks | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, overrides: Mapping[str, Any] | None = None) -> Workspace:
        base = WorkspaceBase.open(path, overrides)
        root, config = base.root, base.config
        git = GitWorkspace(
            root,
            run_hooks=config.run_hooks,
            pass_env=config.pass_env,
            hook_wrap=hook_jail(jail_settings(config), root),
            protect_ignored_mb=config.protect_ignored_mb,
            protect_ignored_skip=config.protect_ignored_skip,
            base_branch=config.base_branch,
        )
        return cls(root, config, base.store, git, os.environ.get("ANTHROPIC_API_KEY"))

    @property
    def recorder(self) -> StateRecorder:
        if self._recorder is None:
            self._recorder = StateRecorder(self.store)
        return self._recorder

    @property
    def writer(self) -> BackgroundSinks:
        """The one worker thread that writes this workspace's state, for every engine."""
        if self._writer is None:
            self._writer = BackgroundSinks(self.store.status_of)
        return self._writer

    def with_config(self, config: Config) -> Workspace:
        """The same workspace under `config`, sharing its recorder and state writer."""
        return replace(self, config=config, _recorder=self.recorder, _writer=self.writer)

    def engine(
        self,
        checkbox: RoadmapCheckbox[RoadmapItem],
        extra_sinks: Sequence[Callable[[Event], None]] = (),
        *,
        approval: ApprovalPort[RoadmapItem] | None = None,
        ask_command: Ask | None = None,
        ask_user: AskFor | AskLater | None = None,
        in_progress: Callable[[RoadmapItem], bool] | None = None,
    ) -> TaskEngine[RoadmapItem, Checkpoint]:
        """The engine of this workspace. `approval` answers the review gate (`approval =
        "before-commit"`); `ask_command(command, why)` is asked before a risky shell command
        (without it, no command is asked about); `ask_user(task_id, question, choices)` answers
        the agents' questions (without it, the agents get no `ask_user` tool; `ASK_LATER`: a
        question ends the task `needs_input`, in this checkout only: an agent in a lane of a
        parallel run gets no `ask_user` tool, its work could not be taken up); `in_progress(task)`:
        whether the task file marks the task in progress (Kiro's `[-]`: its prompt says so)."""
        memory = self.memory
        on_disk = self.writer.sink([self.recorder, MemoryRecorder(memory)])
        sinks: list[Callable[[Event], None]] = [on_disk, *extra_sinks]
        traced = event_tracer(
            self.config.role("implementer").model, self.config.role("reviewer").model
        )
        if traced is not None:
            sinks.append(traced)

        def sink(event: Event) -> None:
            for target in sinks:
                target(event)

        sink_port: EventSink = sink
        gate = None
        if ask_command is not None:
            gate = CommandGate(RiskyCommands(self.config.risky_commands), ask_command)

        def agent_in(root: Path) -> AgentAdapter:
            settings = agent_settings(self.config)
            recall_for = memory_for(memory, self.config.memory_tokens)
            asker = None if root != self.root and isinstance(ask_user, AskLater) else ask_user
            return AgentAdapter(
                root,
                settings,
                self.api_key,
                recall_for,
                gate,
                asker,
                in_progress,  # type: ignore[arg-type]
            )

        lanes = None
        if self.config.max_parallel > 1:
            lanes = WorkspaceLanes(
                self.git,
                self.store.paths.worktrees_dir,
                checkbox,
                agent_in,
                lambda root: CheckRunner(root, self.config),
                self.config.kiro_roadmaps,
            )
        return TaskEngine(
            agent=agent_in(self.root),
            verifier=CheckRunner(self.root, self.config),
            git=self.git,
            checkbox=checkbox,
            sink=sink_port,
            settings=engine_settings(self.config),
            formatter=format_for_retry,
            lookup=self.writer.status_of,
            approval=approval,
            lanes=lanes,
            history=self.store.rolled_back_from,
            reviewer=ReviewerAdapter(agent_settings(self.config, "reviewer"), self.api_key, None),
        )

    def done_tasks(self, tasks: Sequence[RoadmapItem]) -> list[RoadmapItem]:
        """The tasks re-verify looks at: ticked, or passed, committed or regressed."""
        looked_at = {*DONE, TaskStatus.REGRESSED}
        return [t for t in tasks if t.checked or self.writer.status_of(t.id) in looked_at]

    async def reverify(
        self, engine: TaskEngine[RoadmapItem, Checkpoint], tasks: Sequence[RoadmapItem]
    ) -> ReverifyResult:
        """Re-verify `tasks` at HEAD with `engine` (its events go to its sinks), each with the
        evidence its passing run recorded."""
        await asyncio.to_thread(self.writer.flush, 30.0)
        records = await asyncio.to_thread(self.store.all)
        evidence = {k: tuple(r.evidence) for k, r in records.items()}
        before = {k: r.regressed_from for k, r in records.items() if r.regressed_from}
        checks = CheckRunner(self.root, self.config)
        return await engine.reverify(tasks, checks, evidence=evidence, regressed_from=before)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._recorder is not None:
            self._recorder.close()
