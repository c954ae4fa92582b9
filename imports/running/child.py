"""`python -m imports.running.child [BATCH_ID [--commit] [--scan-first]] [--memory-mb N]`: run one import, then exit.

A worker (imports/running/worker.py) or `flask import` starts this in a fresh interpreter for each batch, so that a
file that aborts the reader or eats memory costs this process only. Without BATCH_ID the process starts
ahead of its batch: it loads the app (half a second a batch used to wait for) and then reads "BATCH_ID
COMMIT SCAN_FIRST" from stdin. The memory limit (RLIMIT_AS) and a lower CPU priority are set once the batch
is known, before its file is read; the time limit is kept by the parent, which kills this process. Talking
to the parent: stdin is a pipe the parent holds (end of file: the parent died, so stop at once; the
database rolls back what was not committed), stdout carries "ready" once the app is loaded (started ahead),
"progress PERCENT PHASE" lines (committed here)
and "record PERCENT PHASE" lines (for the parent to record), the exit status says how it ended. Here, and
only here, a large sheet is parsed while its extent is scanned
(imports/reading/scanned_read.py): a reader that dies of it costs this process only.
"""
import argparse
import importlib
import logging
import os
import resource
import sys
import threading

EXIT_DONE = 0  # run() recorded the outcome in the batch row
EXIT_OUT_OF_MEMORY = 3
EXIT_ORPHANED = 4
batch_id = None  # the batch this process runs, once known (test hooks name it)
READY = "ready"  # told on stdout by a child started ahead once the app is loaded (supervisor.wait_ready)
# Test-only: a module imported before the run, to stall or fail it at a chosen point (tests/imports/).
TEST_HOOK_ENV = "IMR_TEST_CHILD_HOOK"


def limit_memory(megabytes):
    """Cap this process's address space: an allocation beyond it fails instead of taking the machine."""
    if megabytes:
        limit = int(megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def lower_priority(niceness):
    """Let the web processes (and the database) go first when the CPU is busy: imports are background work,
    pages are people waiting (IMPORT_NICENESS)."""
    try:
        if niceness:
            os.nice(niceness)
    except OSError:  # not permitted here: run at the parent's priority
        pass


def read_job(fd=0):
    """(batch id, commit, scan first) from the parent's "BATCH_ID COMMIT SCAN_FIRST" line; None when the parent
    went away first."""
    line = b""
    while not line.endswith(b"\n"):
        data = os.read(fd, 1)  # byte by byte: nothing after the line may be taken from the watcher below
        if not data:
            return None
        line += data
    batch_id, commit, scan_first = line.split()
    return int(batch_id), commit == b"1", scan_first == b"1"


def exit_with_parent(fd=0):
    """End this process as soon as the parent's end of stdin closes (the parent was killed or stopped)."""
    def watch():
        while os.read(fd, 1024):  # the raw descriptor: a buffered reader's lock would trouble the exit
            pass
        os._exit(EXIT_ORPHANED)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class MemoryErrorSeen(logging.Handler):
    """Notices a MemoryError that the import logged and turned into a failed batch, to say why plainly."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen = False

    def emit(self, record):
        if record.exc_info and isinstance(record.exc_info[1], MemoryError):
            self.seen = True


def echo_progress(phase, percent):
    print(f"progress {int(percent)} {phase}", flush=True)


def tell_progress(phase, percent):
    """Hand a percentage to the parent to record (the child commits only the changes of status)."""
    print(f"record {int(percent)} {phase}", flush=True)


def echo_extents(state):
    """Tell the parent that the reader parses before the extents are known ("ahead"), then that they are."""
    print(f"extents {state}", flush=True)


def build_app():
    """The app with the models and their listeners, and the import code loaded; no pages to serve."""
    from app import create_app
    import imports.operations  # noqa: F401  (loaded now, before the batch is known)
    return create_app(pages=False)


def run_batch(batch_id, commit, app=None, scan_first=False):
    """Run one batch in this process's app; returns the exit status for the parent.

    `scan_first`: scan the sheets' extents before the reader parses anything (imports/reading/scanned_read.py).
    """
    from extensions import db
    from imports.models import ImportBatch
    from imports.operations import run

    watcher = MemoryErrorSeen()
    logging.getLogger().addHandler(watcher)
    app = app or build_app()
    app.config["IMPORT_SCAN_WHILE_READING"] = not scan_first  # a crash of the reader costs this process only
    from imports.reading import scanned_read
    scanned_read.announce = echo_extents
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        by = (batch.options or {}).get("commit_by") if commit else None
        try:
            run(batch_id, commit=commit, echo=echo_progress, actor=tuple(by) if by else None, tell=tell_progress)
        except MemoryError:
            return EXIT_OUT_OF_MEMORY
        finally:
            db.session.remove()
    return EXIT_OUT_OF_MEMORY if watcher.seen else EXIT_DONE


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m imports.running.child")
    parser.add_argument("batch_id", type=int, nargs="?", help="the batch (default: read it from stdin)")
    parser.add_argument("--commit", action="store_true", help="write the batch if its check passes")
    parser.add_argument("--memory-mb", type=int, default=0, help="address-space limit (0: none)")
    parser.add_argument("--scan-first", action="store_true", help="scan the extents before the reader starts")
    args = parser.parse_args(argv)
    app = build_app()
    from extensions import db
    from models import backend_priority
    if args.batch_id is None:  # started ahead: everything is loaded; say so, and wait for the batch
        print(READY, flush=True)
        job = read_job()
        if job is None:
            return EXIT_ORPHANED
        args.batch_id, args.commit, args.scan_first = job
    global batch_id
    batch_id = args.batch_id
    limit_memory(args.memory_mb)
    lower_priority(app.config["IMPORT_NICENESS"])
    with app.app_context():  # the database server's share of the work yields to pages too, where it may
        backend_priority.follow(db.engine, app.config["IMPORT_NICENESS"])
    exit_with_parent()
    from ops.request_log import TextFormatter  # hides the row values PostgreSQL's errors name, as the web's logs do
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TextFormatter(f"import {args.batch_id}: %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    if os.environ.get(TEST_HOOK_ENV):
        importlib.import_module(os.environ[TEST_HOOK_ENV])
    try:
        return run_batch(args.batch_id, args.commit, app, args.scan_first)
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    finally:
        with app.app_context():
            db.engine.dispose()  # close the connections politely: leave() skips the interpreter's teardown


def leave(code):
    """Exit with `code` without the interpreter's teardown, once what was written is flushed.

    The outcome is committed and the connections closed by then; tearing down the modules and freeing the
    heap of a 500k-row import took 0.3-2 s on a busy machine, during which its parent (and a clerk watching
    the batch, or `flask import`) waited for the process to end.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the parent closed the pipe: nothing left to tell it
            pass
    os._exit(int(code or 0))


if __name__ == "__main__":
    # run the importable module, not this __main__ copy, so test hooks patch what runs
    from imports.running import child
    child.leave(child.main())
