"""The `roadmapd` command: argument parsing and dispatch to `roadmapd.console` (docs/cli.md).

Exit codes: 0 success, 1 a task failed (or regressed, or a rollback was refused), 2 usage or
configuration error, 3 `run` paused (SIGTERM; `run --resume` continues), 130 cancelled.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from roadmapd.secrets import protect_stdio

# Light on purpose: `--help` and `serve` import nothing else at start, each command only what
# it needs (the agent's SDK loads when a task first runs).


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roadmapd",
        description="Turn the checkbox tasks of a ROADMAP.md into verified git commits.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("tasks", help="list the tasks of a roadmap file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="a JSON array of tasks")

    p = sub.add_parser("normalize", help="convert a free-form roadmap into a task list (diff)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--write", action="store_true", help="replace FILE with the task list")

    p = sub.add_parser("run", help="run tasks through the agent, verify, commit, tick")
    p.add_argument(
        "roadmap", nargs="?", metavar="ROADMAP.md", help="the roadmap file, or a task id (--task)"
    )
    p.add_argument("--task", action="append", default=[], metavar="ID", help="repeatable")
    p.add_argument("--section", metavar="NAME", help="the unchecked tasks under a heading")
    p.add_argument("--all", action="store_true", help="every unchecked task")
    p.add_argument("--resume", action="store_true", help="the tasks a paused run did not start")
    p.add_argument("--max-attempts", type=int, metavar="N")
    p.add_argument("--model", metavar="M")
    p.add_argument("--json", action="store_true", help="one JSON event per line")
    p.add_argument("--keep-going", action="store_true", help="go on after a failed task")
    p.add_argument("--budget", type=float, metavar="USD", help="stop the run when it spent this")
    p.add_argument("--yes", "-y", action="store_true", help="approve commits and risky commands")
    p.add_argument("--max-parallel", type=int, metavar="N", help="independent tasks at once")
    p.add_argument(
        "--allow-weaken",
        action="store_true",
        help="commit a task even if it deletes or loosens tests or check configuration",
    )
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="commit large or binary files (and, with strict_files, files outside Files:)",
    )
    p.add_argument(
        "--branch-mode",
        choices=("current", "per-task", "pr"),
        help="where a passed task's commit goes (config commit_mode); pr: push + pull request",
    )

    p = sub.add_parser("answer", help="answer a task's question and continue its run")
    p.add_argument("task", metavar="TASK")
    p.add_argument("answer", nargs="?", metavar="ANSWER", help="(default: asked at the terminal)")
    p.add_argument("--roadmap", metavar="ROADMAP.md")
    p.add_argument("--json", action="store_true", help="one JSON event per line")
    p.add_argument("--yes", "-y", action="store_true", help="approve commits and risky commands")

    p = sub.add_parser("plan", help="the waves of open tasks, with each runner's command")
    p.add_argument("roadmap", nargs="?", metavar="ROADMAP.md")
    p.add_argument("--base", metavar="REV", help="tasks merged into REV are done (default HEAD)")
    p.add_argument("--json", action="store_true", help="waves, blocked tasks and a CI matrix")

    p = sub.add_parser("sync", help="tick the tasks whose commits are on the base branch")
    p.add_argument("roadmap", nargs="?", metavar="ROADMAP.md")
    p.add_argument("--base", metavar="BRANCH", help="where merged tasks are (default HEAD)")
    p.add_argument("--commit", action="store_true", help='one commit "roadmapd: tick N tasks"')
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("verify", help="re-verify done tasks at HEAD (no model call)")
    p.add_argument("task", nargs="*", metavar="ID", help="these tasks (default: --done)")
    p.add_argument("--done", action="store_true", help="every done task (the default)")
    p.add_argument("--roadmap", metavar="ROADMAP.md")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("status", help="a table of tasks with their last run")
    p.add_argument("roadmap", nargs="?", metavar="ROADMAP.md")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("log", help="the transcript of a task's last run")
    p.add_argument("task", metavar="TASK")
    p.add_argument("--run", metavar="RUN_ID", help="another run than the last one")
    p.add_argument("--json", action="store_true", help="the raw events, one per line")

    p = sub.add_parser("rollback", help="undo a task (or --undo the last rollback)")
    p.add_argument("task", nargs="?", metavar="TASK")
    p.add_argument("--roadmap", metavar="ROADMAP.md")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask")
    p.add_argument("--force", action="store_true", help="even if done tasks depend on it")
    p.add_argument("--undo", action="store_true", help="undo the latest rollback")

    p = sub.add_parser("gc", help="delete old refs under refs/roadmapd/ (asks first)")
    p.add_argument("--older-than", type=float, default=30.0, metavar="DAYS", help="default 30")
    p.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask")
    p.add_argument(
        "--include-backups", action="store_true", help="also old backup, undone and safety refs"
    )

    p = sub.add_parser("memory", help="show (or --clear) the project memory of passed tasks")
    p.add_argument("--clear", action="store_true", help="forget every entry")
    p.add_argument("--json", action="store_true")

    sub.add_parser("serve", help="the language server (stdio; --tcp HOST:PORT), see --help")

    p = sub.add_parser("demo", help="run the bundled example project end to end")
    p.add_argument("--real", action="store_true", help="use the real API (ANTHROPIC_API_KEY)")
    p.add_argument("--keep", metavar="DIR", help="build the demo project in DIR and keep it")
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "tasks":
        from roadmapd.console.tasks import tasks_command

        return tasks_command(args.file, args.json)
    if args.command == "normalize":
        from roadmapd.console.normalize import normalize_command

        return normalize_command(args.file, args.write)
    if args.command == "run":
        from roadmapd.console.run import run_command

        return run_command(args)
    if args.command == "answer":
        from roadmapd.console.answer import answer_command

        return answer_command(args.task, args.answer, args.roadmap, as_json=args.json, yes=args.yes)
    if args.command == "verify":
        from roadmapd.console.verify import verify_command

        if args.done and args.task:
            from roadmapd.console.common import CommandError

            raise CommandError("verify: give task ids or --done, not both")
        return verify_command(args.roadmap, args.task, args.json)
    if args.command == "plan":
        from roadmapd.console.plan import plan_command

        return plan_command(args.roadmap, base=args.base, as_json=args.json)
    if args.command == "sync":
        from roadmapd.console.sync import sync_command

        return sync_command(args.roadmap, commit=args.commit, base=args.base, as_json=args.json)
    if args.command == "status":
        from roadmapd.console.status import status_command

        return status_command(args.roadmap, args.json)
    if args.command == "log":
        from roadmapd.console.transcript import log_command

        return log_command(args.task, args.json, args.run)
    if args.command == "rollback":
        from roadmapd.console.rollback import rollback_command

        return rollback_command(
            args.task, args.roadmap, yes=args.yes, force=args.force, undo=args.undo
        )
    if args.command == "gc":
        from roadmapd.console.gc import gc_command

        return gc_command(
            older_than=args.older_than,
            dry_run=args.dry_run,
            yes=args.yes,
            include_backups=args.include_backups,
        )
    if args.command == "memory":
        from roadmapd.console.memory import memory_command

        return memory_command(clear=args.clear, as_json=args.json)
    from roadmapd.console.demo import demo_command

    return demo_command(real=args.real, keep=args.keep)


def _serve(argv: list[str]) -> int:
    """`roadmapd serve`, its imports made with the cyclic garbage collector paused and their
    objects (modules, classes: about 120,000, all long-lived) left out of its later passes, which
    otherwise walk them all again whenever a big roadmap is parsed or its lenses are built."""
    gc.disable()
    try:
        from roadmapd.server import main as serve
    finally:
        gc.freeze()
        gc.enable()
    return serve(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["serve"]:
        return _serve(args_list[1:])
    protect_stdio()  # every line the terminal shows goes through the one redaction
    args = _parser().parse_args(args_list)
    from roadmapd.console.common import EXIT_CANCELLED, EXIT_USAGE, CommandError, error

    try:
        return _dispatch(args)
    except CommandError as exc:
        error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_CANCELLED


if __name__ == "__main__":
    sys.exit(main())
