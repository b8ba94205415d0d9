"""The lock CI installs from agrees with the ranges pyproject.toml declares.

`make setup` installs `requirements.lock` with `--require-hashes`; pyproject.toml keeps
ranges for users. A dependency added to pyproject.toml without `make lock`, or a lock entry
outside its range, fails here instead of on a user's machine.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pins(lock: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#") and "==" in line:
            name, _, rest = line.partition("==")
            pins[canonicalize_name(name)] = rest.split()[0].rstrip("\\").split(";")[0].strip()
    return pins


def _requirements(extra: bool) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    names = list(project["dependencies"])
    if extra:
        names += extras["dev"]
    found: list[Requirement] = []
    for req in map(Requirement, names):
        if canonicalize_name(req.name) == "roadmapd":  # dev = roadmapd[otel] + ...: those extras
            found += [Requirement(r) for extra_name in req.extras for r in extras[extra_name]]
        else:
            found.append(req)
    return found


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", True), ("requirements-runtime.lock", False)]
)
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, extra: bool) -> None:
    pins = _pins(ROOT / lock)
    for req in _requirements(extra):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in {lock}: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {req.name}=={pins[name]}, outside {req.specifier}"
        )


def test_every_pin_carries_a_hash() -> None:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries = [e for e in text.split("\n") if e and not e[0].isspace() and "==" in e]
    assert len(entries) == len(_pins(ROOT / "requirements.lock"))
    assert text.count("--hash=sha256:") >= len(entries)
