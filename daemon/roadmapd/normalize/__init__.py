"""Normalising a free-form roadmap (prose, emoji statuses, tables, plain bullets) into our task
list (docs/roadmap-format.md): the prompt and the check of the answer (`answer.py`, pure), and
the model call with its one retry (`ask.py`). The faces show the result: `roadmapd normalize`
(`console/normalize.py`) as a diff, the editor (`server/normalize.py`) as a WorkspaceEdit.
"""

from roadmapd.normalize.answer import check, extract, fit_line_endings

__all__ = ["check", "extract", "fit_line_endings"]
