"""Project memory: what earlier tasks taught, fed into the prompts of later ones.

After each passed task a short, structured outcome is kept (`MemoryEntry`: the files git says
changed, the model's final words, the shell commands that worked), in one JSON document per
repository under the state dir (`ProjectMemory`, written atomically under the store's lock).
`MemoryRecorder` is the engine event sink that writes them; `recall` picks the entries most
relevant to a new task (shared words and files, newer first on ties) within a token budget.
"""

from roadmapd.memory.model import MemoryEntry
from roadmapd.memory.recall import recall, render_entry
from roadmapd.memory.recorder import MemoryRecorder
from roadmapd.memory.store import ProjectMemory

__all__ = ["MemoryEntry", "MemoryRecorder", "ProjectMemory", "recall", "render_entry"]
