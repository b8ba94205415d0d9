"""Fixtures for the verify tests: tiny projects in tmp dirs, a shared mypy cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write files (relative path -> text) into a fresh workspace and return its root."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "ws"
        root.mkdir(exist_ok=True)
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the session: the standard library is analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")
