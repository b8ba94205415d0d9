"""The protocol contract: generated files are fresh and the models validate what they should."""

import json

import pytest
from pydantic import ValidationError

import roadmapd_protocol as contract
from roadmapd_protocol import generate


def test_generated_files_are_not_stale() -> None:
    stale = generate.stale_files()
    assert stale == [], f"regenerate with `make protocol`: {stale}"


def test_schema_lists_every_wire_model_and_the_version() -> None:
    doc = json.loads(generate.SCHEMA_PATH.read_text())
    assert doc["version"] == contract.PROTOCOL_VERSION
    assert {m.__name__ for m in contract.WIRE_MODELS} <= set(doc["$defs"])


def test_typescript_declares_every_model_and_command() -> None:
    ts = generate.TS_PATH.read_text()
    for model in contract.WIRE_MODELS:
        assert f"export interface {model.__name__} {{" in ts
    for name in contract.TASK_COMMANDS:
        assert json.dumps(name) in ts


def test_task_ref_requires_uri_and_task_id() -> None:
    ref = contract.TaskRef.model_validate({"uri": "file:///r/ROADMAP.md", "taskId": "T001"})
    assert ref.taskId == "T001"
    with pytest.raises(ValidationError):
        contract.TaskRef.model_validate({"uri": "file:///r/ROADMAP.md"})
    with pytest.raises(ValidationError):
        contract.TaskRef.model_validate({"uri": "", "taskId": "T1"})
    with pytest.raises(ValidationError):
        contract.TaskRef.model_validate({"uri": "u", "taskId": "T1", "extra": 1})


def test_task_state_rejects_unknown_status() -> None:
    with pytest.raises(ValidationError):
        contract.TaskState(uri="u", taskId="t", title="x", status="exploded")  # type: ignore[arg-type]


def test_typescript_emitter_rejects_unknown_schema_nodes() -> None:
    with pytest.raises(ValueError, match="unsupported schema node"):
        generate._ts_type({"type": "object", "additionalProperties": True})


def test_server_commands_do_not_clash_with_the_extensions_own_commands() -> None:
    # vscode-languageclient registers every server command as a VS Code command: a name the
    # extension also contributes makes the client fail to start ("command already exists").
    package = generate.PROTOCOL_DIR.parent / "extension" / "package.json"
    contributed = {c["command"] for c in json.loads(package.read_text())["contributes"]["commands"]}
    server = {
        value
        for name, value in vars(contract).items()
        if name.startswith("CMD_") and isinstance(value, str)
    }
    assert server, "no server command names found"
    assert not server & contributed
