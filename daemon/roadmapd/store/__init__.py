"""Durable state: task state files, per-run JSONL event logs, recovery after a crash.

Per repository under `platformdirs.user_state_dir("roadmapd")` (or `$ROADMAPD_STATE_DIR`),
see `store/paths.py`. `StateRecorder` is the engine's event sink that keeps both up to date;
`BackgroundSinks` runs it off the event loop, in order.
"""

from roadmapd.store.background import BackgroundSinks
from roadmapd.store.models import SCHEMA_VERSION, ProblemModel, TaskState, UsageModel
from roadmapd.store.paths import ENV_STATE_DIR, StatePaths, repo_key, state_root
from roadmapd.store.recorder import StateRecorder
from roadmapd.store.runlog import RunLog, RunLogContents, read_run_log_file
from roadmapd.store.state import Recovery, StateStore, StoreError

__all__ = [
    "ENV_STATE_DIR",
    "SCHEMA_VERSION",
    "BackgroundSinks",
    "ProblemModel",
    "Recovery",
    "RunLog",
    "RunLogContents",
    "StatePaths",
    "StateRecorder",
    "StateStore",
    "StoreError",
    "TaskState",
    "UsageModel",
    "read_run_log_file",
    "repo_key",
    "state_root",
]
