"""The evidence run: the attempt's test files against the code of the checkpoint.

The checkpoint's files are written into a temporary folder, the attempt's new or changed test
files copied over them, and the test checks run there (in the same jail as every check),
restricted to those files: a pytest command gets the paths appended; other runners use the
`evidence_run` template (`npx vitest run {files}`, `go test {files}`...); without one the whole
test check runs. The project's environments that git ignores (`.venv`, `node_modules`...) are
linked in, so the same interpreter and packages are used.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

from roadmapd.verify.parsers import TEST_PARSERS
from roadmapd.verify.spec import CheckSpec

_PYTEST = ("pytest", "py.test")
_ENVIRONMENTS = (".venv", "venv", "env", ".tox", "node_modules", "target", "vendor")


def _runs_pytest_directly(command: str) -> bool:
    words = shlex.split(command) if command.strip() else []
    return any(w.rsplit("/", 1)[-1] in _PYTEST for w in words) or "-m pytest" in command


def evidence_specs(
    specs: Sequence[CheckSpec], files: Sequence[str], template: str | None
) -> list[CheckSpec]:
    """The test checks, narrowed to `files` where we know how."""
    quoted = " ".join(shlex.quote(f) for f in files)
    out: list[CheckSpec] = []
    for spec in specs:
        if spec.parser not in TEST_PARSERS:
            continue
        if template is not None:
            run = template.replace("{files}", quoted)
        elif spec.parser == "pytest" and _runs_pytest_directly(spec.run):
            run = f"{spec.run} {quoted}"
        else:
            run = spec.run
        out.append(CheckSpec(f"{spec.name} (evidence)", run, spec.parser, spec.timeout_s))
    return out


def prepare_evidence_tree(root: Path, tree: Path, files: Sequence[str]) -> None:
    """Copy the attempt's test files into the checkpoint's tree; link the ignored environments."""
    for rel in files:
        source, target = root / rel, tree / rel
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for name in _ENVIRONMENTS:
        env = root / name
        if env.is_dir() and not (tree / name).exists():
            os.symlink(env, tree / name)
