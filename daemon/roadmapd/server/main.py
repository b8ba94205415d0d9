"""`roadmapd serve`: run the language server on stdio, or on TCP for debugging."""

from __future__ import annotations

import argparse
import logging
import sys

from roadmapd.parse_cache import ParseCache
from roadmapd.secrets import protect_stdio

from .app import create_server
from .rpc.stdio import serve_stdio

SAVE_PARSE_AFTER_S = 2.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roadmapd serve", description="Run the roadmapd language server (stdio by default)."
    )
    parser.add_argument(
        "--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio (debugging)"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="stderr log level",
    )
    parser.add_argument(
        "--no-engine",
        action="store_true",
        help="lenses, diagnostics and hovers only: do not run tasks",
    )
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    protect_stdio(streams=("stderr",))  # the log; stdout is the protocol channel
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pygls").setLevel(max(logging.WARNING, logging.getLevelName(args.log_level)))
    # a big roadmap's first parse is kept on disk once the editor's first requests are answered
    parses = ParseCache(save_after_s=SAVE_PARSE_AFTER_S)
    server = create_server(load_engine=not args.no_engine, parse_cache=parses)
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            print(
                f"roadmapd serve: --tcp expects HOST:PORT, e.g. 127.0.0.1:2087; got {args.tcp!r}",
                file=sys.stderr,
            )
            return 2
        server.start_tcp(host, int(port))
    else:
        serve_stdio(server)
    return 0
