"""The agent loop: one conversation with the model on `messages.stream`, with tools, retries,
budgets and the stuck detector. Yields the typed events of `events.py`; prints nothing.

`send()` appends a user message and runs requests and tool calls until the model ends its turn
or a limit stops it; its last event is always `AgentFinished` (unless the consuming task is
cancelled, which kills any running tool process and re-raises). The history in `messages` stays
valid for the next `send()`: tool calls left unanswered by a stop or a cancellation are answered
with an error result first.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from roadmapd.agent.caching import cached_messages, cached_system, cached_tools
from roadmapd.agent.confinement import ToolError
from roadmapd.agent.editor import FileEditor
from roadmapd.agent.events import (
    AgentEvent,
    AgentFinished,
    Outcome,
    ToolCall,
    ToolResult,
    TurnStarted,
    Usage,
    UsageReport,
)
from roadmapd.agent.prompts import system_prompt
from roadmapd.agent.questions import (
    ASK_USER,
    ASK_USER_TOOL,
    AskLater,
    AskUser,
    PendingQuestion,
    Question,
    answer_result,
    describe,
    parse_question,
)
from roadmapd.agent.request import Endpoint, Reply, stream_request, usage_of
from roadmapd.agent.settings import AgentSettings
from roadmapd.agent.shell import Shell
from roadmapd.agent.tools import BASH, Toolbox, ToolOutcome, tool_definitions
from roadmapd.containment.jail import make_sandbox
from roadmapd.secrets import redact

if TYPE_CHECKING:  # the SDK loads with the first request, not with every command
    import httpx2
    from anthropic import AsyncAnthropic
    from anthropic.types import Message as ApiMessage

CONTINUE_PROMPT = (
    "Your reply was cut off by the max_tokens limit. Continue exactly where it stopped."
)
TRUNCATED_CALL = (
    "not executed: this tool call was cut off by the max_tokens limit, so its input is "
    "incomplete. Make the call again with a smaller input (for example, write a big file in parts)."
)
UNANSWERED_CALL = "not executed: the attempt stopped before this tool call ran"
AFTER_QUESTION = "not executed: the conversation waited for the user's answer first; call it again"
DENIED_COMMAND = "not executed: the user did not allow this command"

CommandApproval = Literal["once", "task", "deny"]
#: Asked before each bash command runs; "task" allows that command for the rest of the session.
ApproveCommand = Callable[[str], Awaitable[CommandApproval]]

Block = dict[str, Any]


@dataclass
class _Repeats:
    """Counts identical tool calls (same name and input) in a row."""

    last: str = ""
    count: int = 0

    def see(self, name: str, tool_input: object) -> int:
        key = name + "\0" + json.dumps(tool_input, sort_keys=True, default=str)
        self.count = self.count + 1 if key == self.last else 1
        self.last = key
        return self.count


@dataclass
class _Run:
    turns: int = 0
    usage: Usage = field(default_factory=Usage)
    max_tokens_stops: int = 0
    repeats: _Repeats = field(default_factory=_Repeats)


class AgentSession:
    def __init__(
        self,
        workspace: Path,
        settings: AgentSettings,
        *,
        api_key: str | None = None,
        system: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
        approve_command: ApproveCommand | None = None,
        prompt: str = "",
        ask_user: AskUser | AskLater | None = None,
    ) -> None:
        """`api_key` None -> ANTHROPIC_API_KEY; `http_client` for proxies or event hooks;
        `approve_command` is asked before every bash command (None: no questions); `prompt` is
        the first message, sent by `start()` (the engine's AgentSessionPort); `ask_user`
        answers the model's `ask_user` tool (None: the tool is not offered; `ASK_LATER`: a
        question ends the stream with outcome `needs_input`, `pending` holds it, `answer()`
        continues)."""
        self.prompt = prompt
        self._http_client = http_client
        self._approve_command = approve_command
        self._ask_user = ask_user
        self._allowed_commands: set[str] = set()  # answered "task"
        self.workspace = workspace.resolve()
        self.settings = settings
        self._endpoint = Endpoint.of(settings, api_key)
        self.base_url = self._endpoint.base_url
        self.system = system if system is not None else system_prompt(self.workspace)
        self.messages: list[dict[str, Any]] = []
        self.warnings: list[str] = []  # e.g. "no sandbox"; filled by the first send()
        self.total = Usage()  # over every send() of this session
        self.pending: PendingQuestion | None = None  # a question asked headless, unanswered
        tools = tool_definitions(self.base_url)
        self._tools = cached_tools([*tools, ASK_USER_TOOL] if ask_user is not None else tools)
        self._system = cached_system(self.system)
        self._client: AsyncAnthropic | None = None
        self._toolbox: Toolbox | None = None

    def next_task(
        self,
        prompt: str,
        *,
        approve_command: ApproveCommand | None,
        ask_user: AskUser | AskLater | None = None,
    ) -> None:
        """Continue this conversation with another task (a batch): `start()` sends `prompt`.
        Commands allowed "for the task" were allowed for the previous one only; questions go
        to the new task's `ask_user` (the tool stays offered only if it was from the start)."""
        self.prompt = prompt
        self._approve_command = approve_command
        self._allowed_commands = set()
        if self._ask_user is not None:
            self._ask_user = ask_user

    # -- history -------------------------------------------------------------------------------

    def _append_user(self, blocks: list[Block]) -> None:
        # the one door of everything we send the model: tool results and our own prompts
        blocks = [_redacted_block(b, self._endpoint.secrets) for b in blocks]
        if self.messages and self.messages[-1]["role"] == "user":
            last = self.messages[-1]
            self.messages[-1] = {**last, "content": [*last["content"], *blocks]}
        else:
            self.messages.append({"role": "user", "content": blocks})

    def _answer_pending_calls(self) -> None:
        question, self.pending = self.pending, None
        if question is not None and self.messages and self.messages[-1]["role"] == "user":
            self._append_user([_tool_result(question.tool_use_id, UNANSWERED_CALL, True)])
            return
        if not self.messages or self.messages[-1]["role"] != "assistant":
            return
        pending = [b["id"] for b in self.messages[-1]["content"] if b.get("type") == "tool_use"]
        self._append_user([_tool_result(i, UNANSWERED_CALL, True) for i in pending])

    def _redact(self, text: str) -> str:
        return self._endpoint.redact(text)

    # -- set-up --------------------------------------------------------------------------------

    async def _ready(self) -> tuple[AsyncAnthropic, Toolbox]:
        if self._toolbox is None:
            s = self.settings
            sandbox = await make_sandbox(s.jail)
            if sandbox.warning:
                self.warnings.append(sandbox.warning)
            shell = Shell(
                self.workspace,
                sandbox,
                timeout_s=s.shell_timeout_s,
                max_chars=s.max_tool_output_chars,
            )
            editor = FileEditor(self.workspace, max_chars=s.max_tool_output_chars)
            self._toolbox = Toolbox(editor, shell)
        if self._client is None:
            self._client = await self._endpoint.client(self._http_client)
        return self._client, self._toolbox

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    # -- the loop ------------------------------------------------------------------------------

    def start(self) -> AsyncIterator[AgentEvent]:
        """The conversation's first turn series, on `prompt`."""
        return self.send(self.prompt)

    async def send(self, user_message: str) -> AsyncIterator[AgentEvent]:
        self._answer_pending_calls()
        self._append_user([{"type": "text", "text": user_message}])
        async for event in self._turns():
            yield event

    def answer(self, text: str | None) -> AsyncIterator[AgentEvent]:
        """Continue a conversation that stopped on a question (`pending`) with its answer."""
        pending, self.pending = self.pending, None
        if pending is None:
            return self.send(answer_result(text))
        self._append_user([_tool_result(pending.tool_use_id, answer_result(text), False)])
        return self._turns()

    def snapshot(self) -> dict[str, Any]:
        """What `restore` needs to continue this conversation in another process."""
        pending = self.pending.to_json() if self.pending else None
        return {"messages": self.messages, "pending": pending}

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Take up a conversation saved by `snapshot` (before the first stream)."""
        messages = snapshot.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ValueError("the saved conversation has no messages")
        self.messages = list(messages)
        pending = snapshot.get("pending")
        self.pending = PendingQuestion.from_json(pending) if isinstance(pending, dict) else None

    async def _turns(self) -> AsyncIterator[AgentEvent]:
        run = _Run()

        def finish(outcome: Outcome, reason: str) -> AgentFinished:
            return AgentFinished(outcome, self._redact(reason), run.turns, run.usage)

        if (missing := self._endpoint.missing_credentials) is not None:
            yield finish("api_error", missing)
            return
        client, toolbox = await self._ready()
        s = self.settings
        while True:
            if run.turns >= s.max_turns:
                yield finish("max_turns", f"stopped after {run.turns} turns (max_turns)")
                return
            if s.budget_usd is not None and run.usage.cost_usd >= s.budget_usd:
                spent = f"${run.usage.cost_usd:.4f} of ${s.budget_usd:.4f}"
                yield finish("budget", f"budget spent: {spent}")
                return
            run.turns += 1
            yield TurnStarted(run.turns)
            reply = Reply()
            params: dict[str, Any] = {
                "model": s.model,
                "max_tokens": s.max_tokens,
                "system": self._system,
                "tools": self._tools,
                "messages": cached_messages(self.messages),
            }
            async for event in stream_request(client, params, s, self._redact, reply):
                yield event
            if reply.message is None:
                yield finish("api_error", reply.failure)
                return
            message = reply.message
            usage = usage_of(s.model, message)
            run.usage += usage
            self.total += usage
            yield UsageReport(run.turns, usage, run.usage)
            content = _content(message)
            if content:
                self.messages.append({"role": "assistant", "content": content})
            calls = [b for b in content if b["type"] == "tool_use"]
            if message.stop_reason == "max_tokens":
                run.max_tokens_stops += 1
                if run.max_tokens_stops > s.max_tokens_continuations:
                    times = run.max_tokens_stops
                    yield finish("max_tokens", f"cut off by max_tokens {times} times in a row")
                    return
                if calls:
                    results = [_tool_result(c["id"], TRUNCATED_CALL, True) for c in calls]
                    self._append_user(results)
                else:
                    self._append_user([{"type": "text", "text": CONTINUE_PROMPT}])
                continue
            run.max_tokens_stops = 0
            if calls:
                stuck = ""
                results = []
                for call in calls:
                    yield ToolCall(call["id"], call["name"], call["input"])
                    if self.pending is not None:  # asked headless: the rest waits for the answer
                        output, is_error = AFTER_QUESTION, True
                        yield ToolResult(call["id"], call["name"], output, is_error)
                        results.append(_tool_result(call["id"], output, is_error))
                        continue
                    question = self._question_for_later(call)
                    if question is not None:
                        self.pending = PendingQuestion(call["id"], question)
                        continue
                    repeats = run.repeats.see(call["name"], call["input"])
                    if stuck:
                        outcome = ToolOutcome(UNANSWERED_CALL, True)
                    elif repeats >= s.stuck_repeats:
                        stuck = f"the same {call['name']} call was repeated {repeats} times"
                        outcome = ToolOutcome(f"not executed: {stuck} in a row", True)
                    else:
                        outcome = await self._run_tool(toolbox, call["name"], call["input"])
                    output = self._redact(outcome.output)
                    yield ToolResult(call["id"], call["name"], output, outcome.is_error)
                    results.append(_tool_result(call["id"], output, outcome.is_error))
                if results:
                    self._append_user(results)
                if self.pending is not None:
                    yield finish("needs_input", describe(self.pending.question))
                    return
                if stuck:
                    yield finish("stuck", stuck)
                    return
                continue
            if message.stop_reason == "pause_turn":
                continue
            if message.stop_reason == "refusal":
                yield finish("end_turn", "the model refused to continue")
                return
            yield finish("end_turn", "the model ended its turn")
            return

    def _question_for_later(self, call: Block) -> Question | None:
        """The question of a well-formed `ask_user` call when nobody can answer now."""
        if call["name"] != ASK_USER or not isinstance(self._ask_user, AskLater):
            return None
        try:
            return parse_question(call["input"])
        except ToolError:
            return None  # answered by `_run_tool` with what is wrong with it

    async def _run_tool(self, toolbox: Toolbox, name: str, tool_input: Any) -> ToolOutcome:
        """Run one tool call; a bash command is first put to `approve_command` (if any); a
        question goes to `ask_user`."""
        if name == ASK_USER and self._ask_user is not None:
            try:
                question = parse_question(tool_input)
            except ToolError as exc:
                return ToolOutcome(str(exc), True)
            if isinstance(self._ask_user, AskLater):  # only a malformed call gets here
                raise AssertionError("a well-formed question was not kept for later")
            return ToolOutcome(answer_result(await self._ask_user(question.text, question.choices)))
        raw = tool_input.get("command") if isinstance(tool_input, dict) else None
        command = raw.strip() if isinstance(raw, str) and name == BASH else ""
        ask = self._approve_command
        if ask is not None and command and command not in self._allowed_commands:
            answer = await ask(command)
            if answer == "deny":
                return ToolOutcome(DENIED_COMMAND, True)
            if answer == "task":
                self._allowed_commands.add(command)
        return await toolbox.run(name, tool_input)


def _redacted_block(block: Block, secrets: tuple[str, ...]) -> Block:
    """A user block with the secrets taken out of its text (tool results and plain text)."""
    if not secrets:
        return block
    out = dict(block)
    for key in ("text", "content"):
        value = out.get(key)
        if isinstance(value, str):
            out[key] = redact(value, secrets)
        elif isinstance(value, list):
            out[key] = [_redacted_block(v, secrets) if isinstance(v, dict) else v for v in value]
    return out


def _tool_result(tool_use_id: str, output: str, is_error: bool) -> Block:
    return {
        "type": "tool_result",
        "tool_use_id": tool_use_id,
        "content": output,
        "is_error": is_error,
    }


def _content(message: ApiMessage) -> list[Block]:
    """The assistant's content blocks as plain dicts for the history (empty text dropped)."""
    blocks: list[Block] = []
    for block in message.content:
        if block.type == "text":
            if block.text:
                blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            tool_input = block.input if isinstance(block.input, dict) else {}
            blocks.append(
                {"type": "tool_use", "id": block.id, "name": block.name, "input": tool_input}
            )
        else:
            blocks.append(block.model_dump(mode="json", exclude_none=True))
    return blocks
