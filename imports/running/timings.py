"""Where an import's time goes: wall and CPU seconds per phase, kept only when a bench asks for them.

`start()` begins a table in this process, `lap(name)` closes the phase that ends now (a no-op when no table
was started), and `save()` appends the table as one JSON line to the file named by IMR_IMPORT_PHASES, if
set (bench/import_bench.py --phases sets it for the import's child). CPU is this process's, all threads.
"""
import json
import os
import time

ENV = "IMR_IMPORT_PHASES"
_table = None  # [(phase, wall seconds, CPU seconds)] of the run in this process, or None
_mark = None


def _now():
    return time.perf_counter(), time.process_time()


def start():
    """Begin the table of this process's import (only when a bench asked for it)."""
    global _table, _mark
    if os.environ.get(ENV):
        _table, _mark = [], _now()


def lap(name):
    """Close the phase `name`, which ends now."""
    global _mark
    if _table is None:
        return
    now = _now()
    _table.append((name, now[0] - _mark[0], now[1] - _mark[1]))
    _mark = now


def save():
    """Append the table to the file named by IMR_IMPORT_PHASES and forget it."""
    global _table
    if _table is not None and os.environ.get(ENV):
        with open(os.environ[ENV], "a") as handle:
            handle.write(json.dumps(_table) + "\n")
    _table = None
