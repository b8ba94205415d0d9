"""Configuration files: defaults, both file locations, editor overrides, readable errors."""

import re
from pathlib import Path

import pytest

from roadmapd.config import Config, ConfigError, find_config_file, load_config


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.roadmaps == ["ROADMAP.md", ".kiro/specs/*/tasks.md", "specs/*/tasks.md"]
    assert config.max_attempts == 3
    assert config.checks == []
    assert find_config_file(tmp_path) is None


def test_roadmapd_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.roadmapd]\nmodel = "from-pyproject"\n')
    (tmp_path / "roadmapd.toml").write_text(
        'model = "from-own-file"\nmax_attempts = 5\n\n'
        '[[checks]]\nname = "tests"\nrun = "pytest -q"\nparser = "pytest"\ntimeout_s = 60\n'
    )
    config = load_config(tmp_path)
    assert config.model == "from-own-file"
    assert config.max_attempts == 5
    assert config.checks[0].name == "tests"
    assert config.checks[0].parser == "pytest"
    assert config.checks[0].timeout_s == 60


def test_pyproject_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.roadmapd]\nroadmaps = ["docs/TODO.md"]\nbudget_usd = 2.5\n'
    )
    config = load_config(tmp_path)
    assert config.roadmaps == ["docs/TODO.md"]
    assert config.budget_usd == 2.5


def test_pyproject_without_section_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config_file(tmp_path) is None
    assert load_config(tmp_path) == Config()


def test_bad_parser_names_file_key_and_choices(tmp_path: Path) -> None:
    (tmp_path / "roadmapd.toml").write_text(
        '[[checks]]\nname = "a"\nrun = "true"\n\n'
        '[[checks]]\nname = "b"\nrun = "pytest"\nparser = "pytets"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert message.startswith("roadmapd.toml: checks[1].parser: expected one of pytest, junit")
    assert 'got "pytets"' in message


def test_unknown_key_and_wrong_type(tmp_path: Path) -> None:
    (tmp_path / "roadmapd.toml").write_text('max_attempts = "three"\nmodle = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert "roadmapd.toml: max_attempts:" in message
    assert "roadmapd.toml: modle: unknown key" in message


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "roadmapd.toml").write_text("model = \n")
    with pytest.raises(ConfigError, match=r"roadmapd\.toml: not valid TOML"):
        load_config(tmp_path)


def test_editor_overrides_accept_camel_case_and_ignore_none(tmp_path: Path) -> None:
    (tmp_path / "roadmapd.toml").write_text('model = "file-model"\nmax_attempts = 2\n')
    config = load_config(tmp_path, {"maxAttempts": 4, "model": None, "commitMode": "per-task"})
    assert config.max_attempts == 4
    assert config.model == "file-model"
    assert config.commit_mode == "per-task"


def test_bad_override_names_the_editor(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="editor settings: sandbox: expected one of auto"):
        load_config(tmp_path, {"sandbox": "maybe"})


def test_run_keys_defaults_and_values(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert (config.max_parallel, config.approval, config.run_budget_usd) == (1, "none", None)
    assert any("curl" in p for p in config.risky_commands) and config.memory_tokens > 0
    (tmp_path / "roadmapd.toml").write_text(
        'max_parallel = 4\napproval = "before-commit"\nrun_budget_usd = 1.5\n'
        'risky_commands = ["rsync"]\nmemory_tokens = 0\n'
    )
    config = load_config(tmp_path)
    assert (config.max_parallel, config.approval, config.run_budget_usd) == (
        4,
        "before-commit",
        1.5,
    )
    assert (config.risky_commands, config.memory_tokens) == (["rsync"], 0)


def test_bad_run_keys_are_named(tmp_path: Path) -> None:
    (tmp_path / "roadmapd.toml").write_text(
        'approval = "always"\nrisky_commands = ["(unclosed"]\nmax_parallel = 0\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert "roadmapd.toml: approval: expected one of none, before-commit" in message
    assert "roadmapd.toml: risky_commands: " in message and "not a valid regex" in message
    assert "roadmapd.toml: max_parallel:" in message


def test_roles_inherit_the_top_level_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "roadmapd.toml").write_text(
        'model = "m-top"\nbase_url = "http://top"\nmax_tokens = 9000\nbudget_usd = 2.0\n'
        '[roles.reviewer]\nmodel = "m-rev"\nmax_tokens = 3000\nthinking_budget_tokens = 1024\n'
        '[roles.normalize]\nbase_url = "http://127.0.0.1:8080"\ntimeout_s = 600\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    implementer, reviewer = config.role("implementer"), config.role("reviewer")
    assert (implementer.model, implementer.base_url, implementer.max_tokens) == (
        "m-top",
        "http://top",
        9000,
    )
    assert implementer.thinking_budget_tokens is None and implementer.budget_usd == 2.0
    assert (reviewer.model, reviewer.base_url, reviewer.max_tokens) == ("m-rev", "http://top", 3000)
    assert reviewer.thinking_budget_tokens == 1024
    normalize = config.role("normalize")
    assert (normalize.model, normalize.base_url, normalize.timeout_s) == (
        "m-top",
        "http://127.0.0.1:8080",
        600,
    )
    assert config.priced_models == ("m-top",)
    assert config.merged({"review": "agent"}).priced_models == ("m-top", "m-rev")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[roles.tester]\nmodel = 'x'\n", "roles.tester: unknown key"),
        ("[roles.reviewer]\ntemperature = 1\n", "roles.reviewer.temperature: unknown key"),
        (
            "[roles.implementer]\nthinking_budget_tokens = 512\n",
            "roles.implementer.thinking_budget_tokens must be at least 1024",
        ),
        (
            "max_tokens = 4096\n[roles.breakdown]\nthinking_budget_tokens = 4096\n",
            "below its max_tokens (4096); got 4096",
        ),
    ],
)
def test_bad_roles_are_named(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "roadmapd.toml").write_text(table, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(tmp_path)
