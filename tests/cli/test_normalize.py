"""`roadmapd normalize FILE [--write]` as a real subprocess against the fake Messages API: the
four free-form styles (tests/fixtures/freeform/: prose, emoji statuses, tables, plain bullets)
become task lists shown as a diff and written only with --write; an answer that does not parse
cleanly is asked again once with its problems, then refused; API faults and cut-off answers are
reported; the key never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmapd.roadmap import parse
from roadmapd.testing import FakeServer
from roadmapd.testing.script import error, script, text

from .conftest import MakeRepo, Repo

FIXTURES = Path(__file__).parent.parent / "fixtures" / "freeform"
STYLES = ("prose", "emoji", "table", "bullets")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def answer(document: str) -> dict[str, object]:
    return text(f"<roadmap>\n{document}</roadmap>")


def normalize(repo: Repo, answers: dict[str, object], *args: str) -> tuple[object, FakeServer]:
    with FakeServer(answers) as api:
        done = repo.cli("normalize", "ROADMAP.md", *args, env={"ANTHROPIC_BASE_URL": api.url})
    return done, api


@pytest.mark.parametrize("style", STYLES)
def test_each_style_becomes_a_task_list_shown_as_a_diff_then_written(
    make_repo: MakeRepo, style: str
) -> None:
    original, tasks = fixture(f"{style}.md"), fixture(f"{style}.tasks.md")
    repo = make_repo(original)
    done, api = normalize(repo, script(answer(tasks)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("--- a/ROADMAP.md\n+++ b/ROADMAP.md\n@@ ")
    first_task = next(line for line in tasks.splitlines() if line.startswith("- ["))
    assert f"\n+{first_task}\n" in done.stdout
    assert "not written: pass --write" in done.stderr
    assert repo.read("ROADMAP.md") == original  # a diff only
    (request,) = api.requests()
    body = request["body"]
    assert "tools" not in body and body["model"] == "claude-sonnet-4-6"
    assert f"<original>\n{original}\n</original>" in body["messages"][0]["content"]
    assert "✅" in body["system"] and "`- [x]`" in body["system"]

    done, _ = normalize(repo, script(answer(tasks)), "--write")
    assert done.returncode == 0, done.stderr
    assert repo.read("ROADMAP.md") == tasks
    roadmap = parse(tasks)
    assert roadmap.problems == () and roadmap.tasks
    checked = sum(t.checked for t in roadmap.tasks)
    assert f"{len(roadmap.tasks)} tasks, {checked} done ($" in done.stderr
    assert "wrote ROADMAP.md" in done.stderr
    listed = repo.cli("tasks", "ROADMAP.md")
    assert listed.returncode == 0 and listed.stderr == ""  # no problems
    assert f"{len(roadmap.tasks)} tasks, {checked} done" in listed.stdout


def test_emoji_statuses_map_to_boxes(make_repo: MakeRepo) -> None:
    repo = make_repo(fixture("emoji.md"))
    done, _ = normalize(repo, script(answer(fixture("emoji.tasks.md"))), "--write")
    assert done.returncode == 0, done.stderr
    boxes = {t.title: t.checked for t in parse(repo.read("ROADMAP.md")).tasks}
    assert boxes == {
        "Project skeleton with pyproject.toml": True,  # ✅
        "Addition (`calc.add`)": True,  # ✅
        "Subtraction (`calc.sub`)": False,  # 🚧
        "Multiplication": False,  # ⏳
        "Division that refuses zero": False,  # ⏳
    }


def test_a_malformed_answer_is_asked_again_once_with_its_problems(make_repo: MakeRepo) -> None:
    original, tasks = fixture("prose.md"), fixture("prose.tasks.md")
    broken = tasks.replace("Depends: T001, T002", "Depends: T009").replace("T002 Add", "T001 Add")
    repo = make_repo(original)
    done, api = normalize(
        repo, script(text(f"Sure!\n<roadmap>\n{broken}</roadmap>"), answer(tasks)), "--write"
    )
    assert done.returncode == 0, done.stderr
    assert repo.read("ROADMAP.md") == tasks
    assert "2 answers" in done.stderr
    first, second = (r["body"]["messages"][0]["content"] for r in api.requests())
    assert "previous answer" not in first
    assert f"<answer>\nSure!\n<roadmap>\n{broken}</roadmap>\n</answer>" in second
    assert "duplicate-id" in second and "unknown-dependency" in second and "T009" in second


def test_two_unusable_answers_are_reported_and_nothing_is_written(make_repo: MakeRepo) -> None:
    original = fixture("table.md")
    repo = make_repo(original)
    no_ids = "# Plan\n\n- [ ] Parse numbers\n\n## Release\n\n- [ ] Publish\n"
    lost_heading = "# Plan\n\n- [ ] T001 Parse numbers\n- [ ] T002 Publish\n"
    done, api = normalize(repo, script(answer(no_ids), answer(lost_heading)), "--write")
    assert done.returncode == 1
    assert len(api.requests()) == 2
    assert "still unusable after 2 answers; nothing was changed" in done.stderr
    assert "the heading 'Release' is missing or out of order" in done.stderr
    assert "has no id" in api.requests()[1]["body"]["messages"][0]["content"]
    assert done.stdout == ""
    assert repo.read("ROADMAP.md") == original


def test_prose_back_is_not_a_task_list(make_repo: MakeRepo) -> None:
    repo = make_repo(fixture("bullets.md"))
    done, _ = normalize(repo, script(text("I cannot help with that."), text("")))
    assert done.returncode == 1
    assert "the answer is empty" in done.stderr  # the second answer's problem


def test_api_faults_and_cut_off_answers_are_reported_without_the_key(
    make_repo: MakeRepo,
) -> None:
    original = fixture("prose.md")
    repo = make_repo(original)
    done, api = normalize(repo, script(error(400, "invalid_request_error", f"bad {repo.secret}")))
    assert done.returncode == 1 and len(api.requests()) == 1
    assert "the model request failed" in done.stderr
    assert repo.secret not in done.stderr + done.stdout
    done, api = normalize(repo, script(text("<roadmap>\n# Calc", stop="max_tokens")))
    assert done.returncode == 1 and len(api.requests()) == 1
    assert "cut off at max_tokens (8192)" in done.stderr
    assert repo.read("ROADMAP.md") == original


def test_crlf_stays_crlf_and_bad_paths_are_usage_errors(make_repo: MakeRepo) -> None:
    original = fixture("emoji.md").replace("\n", "\r\n")
    repo = make_repo("x\n", files={"PLAN.md": original})
    with FakeServer(script(answer(fixture("emoji.tasks.md")))) as api:
        done = repo.cli("normalize", "PLAN.md", "--write", env={"ANTHROPIC_BASE_URL": api.url})
    assert done.returncode == 0, done.stderr
    written = (repo.path / "PLAN.md").read_bytes().decode("utf-8")
    assert written == fixture("emoji.tasks.md").replace("\n", "\r\n")
    missing = repo.cli("normalize", "NOPE.md")
    assert missing.returncode == 2 and "NOPE.md: no such file" in missing.stderr


def test_a_task_list_already_is_left_alone(make_repo: MakeRepo) -> None:
    tasks = fixture("emoji.tasks.md")
    repo = make_repo(tasks)
    before = (repo.path / "ROADMAP.md").stat().st_mtime_ns
    done, _ = normalize(repo, script(answer(tasks)), "--write")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "is that task list already: nothing to change" in done.stderr
    assert (repo.path / "ROADMAP.md").stat().st_mtime_ns == before
