"""Runs every benchmark in this folder, one after the other, in one process each.

`make bench` calls this. Each benchmark prints its own table; ratios are measured within one run
because this machine is noisy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ORDER = ["startup.py", "parse.py", "agent.py", "checkpoint.py", "lsp.py", "lsp_big.py"]
HELPERS = {"run_all.py", "nested_roadmap.py"}  # imported by the benchmarks, not run


def main() -> int:
    here = Path(__file__).resolve().parent
    names = [n for n in ORDER if (here / n).is_file()]
    names += sorted(
        p.name for p in here.glob("*.py") if p.name not in ORDER and p.name not in HELPERS
    )
    failed = []
    for name in names:
        print(f"\n=== benchmarks/{name} ===", flush=True)
        if subprocess.call([sys.executable, str(here / name)]) != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
