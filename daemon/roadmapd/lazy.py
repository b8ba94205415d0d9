"""A package face that imports each submodule when one of its names is first used (PEP 562).

`roadmapd.engine` and `roadmapd.vcs` export their API from the package (`from roadmapd.vcs
import GitWorkspace`), and importing any of their modules runs the package first: an eager
face would load the whole engine for the one module `roadmapd log` needs. The face lists
its names twice, checked against each other by tests/engine/test_lazy_faces.py: as imports under
`TYPE_CHECKING` (what mypy and import-linter read; mypy never sees the `__getattr__`, so a
name the face does not export stays an error) and as the table given to `lazy_exports` (what
runs):

    if TYPE_CHECKING:
        from .workspace import GitWorkspace
    else:
        __getattr__ = lazy_exports(__name__, {".workspace": ("GitWorkspace",)})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence


def lazy_exports(package: str, names: Mapping[str, Sequence[str]]) -> Callable[[str], object]:
    """The module `__getattr__` of `package`: `names` maps a module (relative to the package,
    or absolute) to the names the package exports from it."""
    where = {name: module for module, exported in names.items() for name in exported}

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # asked once: the next use finds it
        return value

    return __getattr__
