"""Project configuration: `roadmapd.toml`, else `[tool.roadmapd]` in `pyproject.toml`.

Editor settings (initializationOptions / workspace/configuration) are applied on top with
`Config.merged(...)`. Keys are snake_case in TOML; the editor may send camelCase. Every error
names the file, the key and what was expected, e.g.
`roadmapd.toml: checks[1].parser: expected one of pytest, junit, ...; got "pytets"`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel, to_snake

ParserName = Literal["pytest", "junit", "ruff", "mypy", "tsc", "eslint", "regex", "none"]
CONFIG_FILE = "roadmapd.toml"
#: Roadmap files found without configuration: ours, then Kiro's and Spec Kit's task files.
DEFAULT_ROADMAPS = ("ROADMAP.md", ".kiro/specs/*/tasks.md", "specs/*/tasks.md")
PYPROJECT = "pyproject.toml"

#: Shell commands the agent may only run after the user approved them (regexes, searched).
#: `rm -rf` outside the build directories is always risky, whatever this list says.
DEFAULT_RISKY_COMMANDS = (
    r"\b(curl|wget|ssh|scp)\b",
    r"\bgit\s+push\b",
    r"\bpip3?\s+install\b",
    r"\bnpm\s+(install|i|ci)\b",
    r"\bapt(-get)?\b",
    r"\bsudo\b",
)


#: Folders whose ignored files checkpoints never record (`protect_ignored_skip`); the same list
#: as `roadmapd.vcs.outcomes.DEFAULT_SKIP` (config does not import the vcs layer).
DEFAULT_PROTECT_SKIP = (
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
    "dist",
    "target",
)


class ConfigError(Exception):
    """A configuration problem, with a message meant for the user as it is."""


class _Model(BaseModel):
    # defer_build: validators built when first used (a roadmap without roles never builds those)
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        defer_build=True,
    )


class CheckConfig(_Model):
    name: str = Field(min_length=1)
    run: str = Field(min_length=1)
    parser: ParserName = "none"
    timeout_s: float = Field(default=300.0, gt=0)
    pattern: str | None = None
    serial: bool = False


RoleName = Literal["implementer", "reviewer", "breakdown", "normalize"]
ROLE_NAMES: tuple[RoleName, ...] = ("implementer", "reviewer", "breakdown", "normalize")


class RoleConfig(_Model):
    """One role's own settings; a key left out (None) inherits the top level."""

    model: str | None = None
    base_url: str | None = None
    max_tokens: int | None = Field(default=None, ge=256)
    thinking_budget_tokens: int | None = Field(default=None, ge=0)  # 0 or None: no thinking
    timeout_s: float | None = Field(default=None, gt=0)
    budget_usd: float | None = Field(default=None, gt=0)


class RolesConfig(_Model):
    implementer: RoleConfig = Field(default_factory=RoleConfig)  # the agent loop
    reviewer: RoleConfig = Field(default_factory=RoleConfig)  # review = "agent"
    breakdown: RoleConfig = Field(default_factory=RoleConfig)  # "Break down" in the editor
    normalize: RoleConfig = Field(default_factory=RoleConfig)  # roadmapd normalize


@dataclass(frozen=True, slots=True)
class Role:
    """A role's settings with every key filled: its own, else the top level's."""

    name: RoleName
    model: str
    base_url: str | None
    max_tokens: int
    thinking_budget_tokens: int | None
    timeout_s: float | None
    budget_usd: float | None


class Config(_Model):
    roadmaps: list[str] = Field(default_factory=lambda: list(DEFAULT_ROADMAPS), min_length=1)
    kiro_roadmaps: list[str] = Field(default_factory=list)  # globs of roadmaps in Kiro's dialect
    model: str = "claude-sonnet-4-6"
    base_url: str | None = None
    max_attempts: int = Field(default=3, ge=1, le=20)
    max_turns: int = Field(default=40, ge=1)
    max_tokens: int = Field(default=8192, ge=256)
    budget_usd: float | None = Field(default=None, gt=0)
    checks: list[CheckConfig] = Field(default_factory=list)
    retry: Literal["continue", "restart"] = "continue"
    commit_mode: Literal["current", "per-task", "pr"] = "current"
    remote: str = Field(default="origin", min_length=1)  # PR mode: where task branches go
    base_branch: str | None = None  # PR mode: the branch PRs target (None: the current one)
    auto_merge: bool = False  # PR mode: `gh pr merge --auto --squash` after `gh pr create`
    sandbox: Literal["auto", "require", "off"] = "auto"
    allow_network: bool = False
    pass_env: list[str] = Field(default_factory=list)  # variables the jail may see
    secret_env: list[str] = Field(default_factory=list)  # variables whose values are redacted
    sandbox_binds: list[str] = Field(default_factory=list)  # read-only folders under ~ to keep
    limit_processes: int = Field(default=512, ge=0)
    limit_memory_mb: int = Field(default=8192, ge=0)
    limit_file_mb: int = Field(default=1024, ge=0)
    shell_timeout_s: float = Field(default=120.0, gt=0)
    max_parallel: int = Field(default=1, ge=1, le=16)
    batch_size: int = Field(default=1, ge=1, le=3)  # consecutive tasks of a section, one chat
    approval: Literal["none", "before-commit"] = "none"
    run_hooks: bool = False  # task commits run the repository's commit hooks (docs/git.md)
    allow_weaken: bool = False  # commit attempts that weaken verification (--allow-weaken)
    review: Literal["off", "agent"] = "off"
    roles: RolesConfig = Field(default_factory=RolesConfig)
    max_file_mb: float = Field(default=10.0, ge=0)
    strict_files: bool = False
    allow_large: bool = False  # commit large/binary/outside-Files: files (--allow-large)
    evidence: Literal["auto", "tests", "verify", "none"] = "auto"
    baseline_failures: Literal["allow", "fail"] = "allow"
    evidence_run: str | None = None  # the test command for given files: "npx vitest run {files}"
    verify_done: Literal["off", "on-run"] = "off"  # "on-run": re-verify done tasks after a run
    questions: Literal["ask", "never"] = "ask"  # "never": the agent gets no ask_user tool
    risky_commands: list[str] = Field(default_factory=lambda: list(DEFAULT_RISKY_COMMANDS))
    run_budget_usd: float | None = Field(default=None, gt=0)
    memory_tokens: int = Field(default=1500, ge=0)
    # checkpoints record ignored files up to this many MB (0: off), never below these folders
    protect_ignored_mb: float = Field(default=50.0, ge=0)
    protect_ignored_skip: list[str] = Field(default_factory=lambda: list(DEFAULT_PROTECT_SKIP))

    @field_validator("risky_commands")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for i, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"risky_commands[{i}] is not a valid regex ({exc})") from None
        return patterns

    @model_validator(mode="after")
    def _thinking_fits(self) -> Config:
        for name in ROLE_NAMES:
            role = self.role(name)
            budget = role.thinking_budget_tokens
            if budget is not None and not 1024 <= budget < role.max_tokens:
                raise ValueError(
                    f"roles.{name}.thinking_budget_tokens must be at least 1024 and below its "
                    f"max_tokens ({role.max_tokens}); got {budget} (0 turns thinking off)"
                )
        return self

    def role(self, name: RoleName) -> Role:
        """The settings of role `name`: its own keys, the top level's for the rest."""
        own: RoleConfig = getattr(self.roles, name)
        return Role(
            name=name,
            model=own.model or self.model,
            base_url=own.base_url if own.base_url is not None else self.base_url,
            max_tokens=own.max_tokens or self.max_tokens,
            thinking_budget_tokens=own.thinking_budget_tokens or None,
            timeout_s=own.timeout_s,
            budget_usd=own.budget_usd if own.budget_usd is not None else self.budget_usd,
        )

    @property
    def priced_models(self) -> tuple[str, ...]:
        """The models a run pays for: the implementer's, and the reviewer's when `review` is on."""
        if self.review == "agent":
            return (self.role("implementer").model, self.role("reviewer").model)
        return (self.role("implementer").model,)

    def merged(self, overrides: Mapping[str, Any], *, origin: str = "editor settings") -> Config:
        """This config with the given keys replaced (None values are ignored)."""
        data = self.model_dump()
        data.update({to_snake(k): v for k, v in overrides.items() if v is not None})
        return _validate(data, origin)


def _describe_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe_error(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    got = err.get("input")
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", "")).replace("'", "")
        expected = expected.replace(" or ", ", ")
        return f"expected one of {expected}; got {_show(got)}"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    return f"{err.get('msg', 'invalid value')}; got {_show(got)}"


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _validate(data: Mapping[str, Any], origin: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = [f"{origin}: {_describe_loc(e['loc'])}: {_describe_error(e)}" for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path.name}: cannot read: {exc.strerror}") from None


def find_config_file(root: Path) -> Path | None:
    """The file the configuration of `root` comes from, if any."""
    own = root / CONFIG_FILE
    if own.is_file():
        return own
    pyproject = root / PYPROJECT
    if pyproject.is_file() and "roadmapd" in _read_toml(pyproject).get("tool", {}):
        return pyproject
    return None


def _refuse_uncommitted_endpoints(path: Path, data: Mapping[str, Any], origin: str) -> None:
    """ConfigError when the file names an API endpoint its committed version does not
    (`endpoint_trust.py`: the working tree is the agent's to write, the API key is not)."""
    from roadmapd.endpoint_trust import uncommitted_endpoints  # git: only for such a file

    table = ("tool", "roadmapd") if path.name == PYPROJECT else ()
    changed = uncommitted_endpoints(path, data, table)
    if changed:
        keys = ", ".join(changed)
        raise ConfigError(
            f"{origin}: {keys} differs from the committed {path.name}: an endpoint that is "
            "not committed is not used (a task's agent may have written it, and the API key "
            f"goes there); commit {path.name} if the change is yours, or give the endpoint "
            "with ANTHROPIC_BASE_URL or the editor's roadmapd.baseUrl setting"
        )


def load_config(root: Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read the project's configuration; raise ConfigError with a readable message."""
    path = find_config_file(root)
    data: Mapping[str, Any] = {}
    origin = "defaults"
    if path is not None:
        raw = _read_toml(path)
        if path.name == PYPROJECT:
            data = raw["tool"]["roadmapd"]
            origin = f"{PYPROJECT} [tool.roadmapd]"
        else:
            data = raw
            origin = CONFIG_FILE
        if not isinstance(data, Mapping):
            raise ConfigError(f"{origin}: expected a table of settings")
        _refuse_uncommitted_endpoints(path, data, origin)
    config = _validate(data, origin)
    return config.merged(overrides) if overrides else config
