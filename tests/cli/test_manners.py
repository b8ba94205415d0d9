"""CLI manners: `roadmapd run ID` runs a task named without `--task`, and a model without a known
price shows every cost as an estimate (`~$0.0123`): progress, summary, `status`, `log`."""

from __future__ import annotations

import json
import re

from roadmapd.testing.script import script, text

from .conftest import Edit, MakeRepo

SUBTRACT = "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"
COST = re.compile(r"(~?)\$\d+\.\d{4}")


def test_run_with_a_task_id_runs_that_task(
    make_repo: MakeRepo, edit: Edit, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    session = script(edit("calc.py", "    return a + b\n", SUBTRACT), text("Added subtract."))
    run = repo.run(session, "sub")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "- [x] Add subtract" in repo.read("ROADMAP.md")
    assert repo.commits() == ["Add subtract", "initial"]


def test_run_with_neither_a_file_nor_a_task_id_says_so(
    make_repo: MakeRepo, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    out = repo.cli("run", "subtract")
    assert out.returncode == 2
    assert out.stderr == (
        "roadmapd: subtract: no such file or task id (did you mean --task subtract?)\n"
    )
    assert repo.commits() == ["initial"]
    # a file is still a file: the roadmap without a selector lists what could run
    listed = repo.cli("run", "ROADMAP.md")
    assert listed.returncode == 2 and "--task ID" in listed.stderr and "sub" in listed.stderr


def costs(output: str) -> list[str]:
    return [m.group(0) for m in COST.finditer(output)]


def test_a_model_without_a_known_price_shows_estimated_costs(
    make_repo: MakeRepo, edit: Edit, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    toml = repo.path / "roadmapd.toml"
    toml.write_text('model = "llama3.1:8b"\n' + toml.read_text(encoding="utf-8"))
    repo.git("commit", "-qam", "a local model")
    session = script(edit("calc.py", "    return a + b\n", SUBTRACT), text("Added subtract."))
    run = repo.run(session, "--task", "sub")
    assert run.returncode == 0, run.stdout + run.stderr
    shown = costs(run.stdout)
    assert shown and all(c.startswith("~$") for c in shown), run.stdout  # progress and summary
    assert re.search(r"^  sub: committed \(.*tokens, ~\$\d", run.stdout, re.M), run.stdout

    status = repo.cli("status")
    assert status.returncode == 0, status.stderr
    assert re.search(r"all runs: [\d,]+ tokens, ~\$\d+\.\d{4} spent", status.stdout)
    assert re.search(r"^sub\s+\[x\]\s+committed\s+1\s+[\d,]+\s+~\$\d", status.stdout, re.M)
    row = json.loads(repo.cli("status", "--json").stdout)[0]
    assert row["cost_estimated"] is True and row["cost_usd"] > 0

    log = repo.cli("log", "sub")
    assert log.returncode == 0
    assert costs(log.stdout) and all(c.startswith("~$") for c in costs(log.stdout)), log.stdout


def test_a_known_model_shows_exact_costs(
    make_repo: MakeRepo, edit: Edit, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    session = script(edit("calc.py", "    return a + b\n", SUBTRACT), text("Added subtract."))
    run = repo.run(session, "--task", "sub")
    assert run.returncode == 0, run.stdout + run.stderr
    status = repo.cli("status")
    for output in (run.stdout, status.stdout, repo.cli("log", "sub").stdout):
        assert costs(output) and "~$" not in output, output
    assert json.loads(repo.cli("status", "--json").stdout)[0]["cost_estimated"] is False
