"""Durable state: task state files, per-run JSONL event logs, recovery after a crash.

Per repository under `platformdirs.user_state_dir("roadmapd")` (or `$ROADMAPD_STATE_DIR`),
see `store/paths.py`. `store.recorder.StateRecorder` is the engine's event sink that keeps
both up to date; `store.background.BackgroundSinks` runs it off the event loop, in order.

This package's face is what reads the store: no engine module is imported with it (the two
sinks above import the engine's events; the composition root imports them from their modules),
so `roadmapd status` reads task states without loading the engine.
"""

from roadmapd.store.models import SCHEMA_VERSION, ProblemModel, TaskRecord, UsageModel
from roadmapd.store.paths import ENV_STATE_DIR, StatePaths, repo_key, state_root
from roadmapd.store.runlog import RunLog, RunLogContents, read_run_log_file
from roadmapd.store.state import Recovery, StateStore, StoreError

__all__ = [
    "ENV_STATE_DIR",
    "SCHEMA_VERSION",
    "ProblemModel",
    "Recovery",
    "RunLog",
    "RunLogContents",
    "StatePaths",
    "StateStore",
    "StoreError",
    "TaskRecord",
    "UsageModel",
    "read_run_log_file",
    "repo_key",
    "state_root",
]
