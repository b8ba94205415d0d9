"""Secrets by allowlist and one redaction: what reaches the model, the terminal and the state.

The user marks a variable secret (`secret_env`); its value sits in a file of the workspace that
a failing check prints. The retry prompt (our own user message, not a tool result) carries the
check's output back to the model: the value must arrive as `[redacted]`, as must the API key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

EDITOR = "str_replace_based_edit_tool"
DEPLOY_VALUE = "deploy-value-SECRET-31415"
CONFIG = """sandbox = "off"
max_attempts = 2
secret_env = ["MY_DEPLOY_VALUE"]
[[checks]]
name = "tests"
run = "python -m pytest -q -p no:cacheprovider"
parser = "pytest"
"""
LEAKY_TEST = (
    "import pathlib\n\n\ndef test_prints_the_env_file():\n"
    "    assert False, pathlib.Path('.env.local').read_text()\n"
)


def test_a_marked_secret_in_check_output_reaches_the_model_redacted(
    make_repo: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(
        one_task_roadmap,
        files={"roadmapd.toml": CONFIG, ".gitignore": ".env.local\n"},
    )
    (repo.path / ".env.local").write_text(f"TOKEN={DEPLOY_VALUE} key={repo.secret}\n")
    # the agent's own failing test prints the file (a new failure: it goes to the retry prompt)
    note = tool_use(EDITOR, {"command": "create", "path": "test_leaky.py", "file_text": LEAKY_TEST})
    with FakeServer(script(note, text("Done."), text("Done."))) as server:
        run = repo.cli(
            "run",
            "--task",
            "sub",
            env={"ANTHROPIC_BASE_URL": server.url, "MY_DEPLOY_VALUE": DEPLOY_VALUE},
        )
        requests = json.dumps(server.requests())
    retry_prompt = json.dumps(server_messages(requests)[-1])
    assert "test_prints_the_env_file" in retry_prompt  # the check output did reach the model
    assert "[redacted]" in retry_prompt
    places = {
        "model requests": requests,
        "terminal": run.stdout + run.stderr,
        "state": "".join(p.read_text(errors="replace") for p in repo.state_files()),
    }
    for where, seen in places.items():
        for secret in (DEPLOY_VALUE, repo.secret):
            assert secret not in seen, f"{secret} in the {where}"


def server_messages(requests_json: str) -> list[Any]:
    """The messages of the last request the fake server saw."""
    requests = json.loads(requests_json)
    return list(requests[-1]["body"]["messages"])


def test_redact_replaces_longest_first_and_leaves_short_values(tmp_path: Path) -> None:
    from roadmapd.secrets import redact, secret_values

    env = {"A_TOKEN": "abcdefgh", "B_TOKEN": "abcdefghijkl", "SHORT_TOKEN": "abc", "PATH": "/bin"}
    values = secret_values(env)
    assert values == ("abcdefghijkl", "abcdefgh")
    assert redact("x abcdefghijkl y abcdefgh z abc /bin", values) == (
        "x [redacted] y [redacted] z abc /bin"
    )
