"""Run one claimed batch in a child process (imports/running/child.py) under memory and time limits, and end it.

A child may be started ahead of its batch (`start_child`), so that the half second it takes to load the app
is spent while the worker waits for work, or while `flask import` records the upload; it is handed the batch
on its stdin. The parent keeps the batch's heartbeat while the child works (the child's own progress
commits stop while it writes inside its one transaction), kills the child at the time limit or when its
reader reports a failed allocation (calamine may hang after one), and turns any death of the child into a
failed batch with a plain message. The database rolls back whatever a killed child had not committed.
"""
import collections
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from sqlalchemy import select, update

from imports.models import RUNNING, ImportBatch
from imports.running import batch_queue, locked_progress
from imports.running.child import EXIT_DONE, EXIT_OUT_OF_MEMORY, READY

log = logging.getLogger(__name__)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALLOCATION_FAILED = (b"memory allocation of", b"Cannot allocate memory", b"out of memory")

MEMORY = ("The file could not be read: it needs more memory than the service allows. Save it again from Excel, "
          "or split it. Nothing was changed.")
TIME = ("The file took longer than the service allows ({limit}) to {work}, so it was stopped. Nothing was "
        "changed. Split it into smaller files and upload them one by one.")
CRASHED = ("The import stopped unexpectedly: the process reading the file ended ({how}). Nothing was changed. "
           "Upload the file again; if this happens again, save it again from Excel or split it.")


class ChildOutput:
    """Reads the child's stdout (progress lines, passed to `echo`) and stderr (its last lines kept for the log)."""

    def __init__(self, proc, batch_id, echo, record=None):
        self.batch_id, self.echo, self.record = batch_id, echo, record
        self.tail = collections.deque(maxlen=30)
        self.allocation_failed = threading.Event()
        self.extents = None  # "ahead" while the reader parsed a sheet whose extent was not yet known
        self.threads = [threading.Thread(target=f, args=(s,), daemon=True)
                        for f, s in ((self._progress, proc.stdout), (self._errors, proc.stderr))]
        for thread in self.threads:
            thread.start()

    def _progress(self, stream):
        for line in stream:
            parts = line.decode("utf-8", "replace").rstrip("\n").split(" ", 2)
            if len(parts) == 3 and parts[0] in ("progress", "record") and parts[1].isdigit():
                if parts[0] == "record" and self.record:  # the child left this percentage to us
                    self.record(parts[2], int(parts[1]))
                if self.echo:
                    self.echo(parts[2], int(parts[1]))
            elif len(parts) == 2 and parts[0] == "extents":
                self.extents = parts[1]
            elif parts != [""] and parts != [READY]:
                sys.stdout.write(" ".join(parts) + "\n")  # test hooks and stray prints: pass them on

    def _errors(self, stream):
        for line in stream:
            self.tail.append(line)
            if any(marker in line for marker in ALLOCATION_FAILED):
                self.allocation_failed.set()

    def join(self):
        for thread in self.threads:
            thread.join(2)


class Heartbeat(threading.Thread):
    """Marks the batch as alive every few seconds from the parent, whatever the child is doing, and records the
    percentages the child reports (`record`), so that its own time is not spent on them (each is a commit
    that waits for SQLite's write lock)."""

    def __init__(self, engine, batch_id, me, every, instance_path=None):
        super().__init__(name=f"heartbeat-{batch_id}", daemon=True)
        self.engine, self.batch_id, self.me, self.every = engine, batch_id, me, every
        self.instance_path = instance_path  # SQLite: beats and percentages also go to a file (locked_progress.py)
        self.last = (None, None)  # the phase and percent last reported
        self.stopped, self.woken = threading.Event(), threading.Event()
        self.progressed = 0.0  # when the child last reported progress, which it commits with a heartbeat
        self.reported = None  # (phase, percent) the child left to us, not yet recorded

    def record(self, phase, percent):
        self.reported = (phase, percent)
        self.progressed = time.monotonic()
        self.woken.set()

    def run(self):
        while not self.stopped.is_set():
            self.woken.wait(self.every)
            self.woken.clear()
            reported, self.reported = self.reported, None
            if self.stopped.is_set() or (reported is None and time.monotonic() - self.progressed < self.every):
                continue  # the child's progress commit just said so
            self.last = reported or self.last
            if self.instance_path:  # first: the batch row may be locked by the import itself
                locked_progress.write(self.instance_path, self.batch_id, self.me, *self.last)
            try:
                with self.engine.begin() as conn:
                    if reported is None:
                        batch_queue.heartbeat(conn, self.batch_id, self.me)
                    else:
                        batch_queue.record_progress(conn, self.batch_id, self.me, *reported)
            except Exception as error:  # SQLite is locked while the child writes: the next beat will do
                log.info("Heartbeat of import %s skipped: %s", self.batch_id, error)

    def stop(self):
        self.stopped.set()
        self.woken.set()
        self.join(10)
        if self.instance_path:
            locked_progress.clear(self.instance_path, self.batch_id)


def child_command(memory_mb):
    return [sys.executable, "-m", "imports.running.child", "--memory-mb", str(int(memory_mb or 0))]


def child_environment(app):
    """The parent's environment, pointed at the same database and instance folder."""
    env = dict(os.environ)
    env["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    env["IMR_INSTANCE_PATH"] = app.instance_path
    env.setdefault("MALLOC_ARENA_MAX", "2")  # threads' malloc arenas would reserve address space the limit counts
    return env


def start_child(app):
    """A child process that loads the app now and waits on its stdin for the batch `run_in_child` hands it."""
    return subprocess.Popen(child_command(app.config["IMPORT_MEMORY_LIMIT_MB"]), cwd=ROOT, env=child_environment(app),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # Ctrl-C reaches the parent only


def wait_ready(proc):
    """Wait until a child started ahead has loaded the app (it says READY); False when it ended first.

    For a caller that wants the child's start out of the way, as a worker waiting for work has it (a bench).
    Nothing else comes on stdout before the batch is handed over, and what follows stays in the stream's
    buffer for ChildOutput.
    """
    for line in iter(proc.stdout.readline, b""):
        if line.strip() == READY.encode():
            return True
    return False


def stop_child(proc):
    """End a child that was started ahead and never given a batch (closing its stdin alone would do, later)."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()
    if proc is not None:
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()


def _hand_over(proc, batch_id, commit, scan_first=False):
    """Give the waiting child its batch; False when it is no longer there to take it."""
    try:
        proc.stdin.write(f"{batch_id} {int(bool(commit))} {int(scan_first)}\n".encode())
        proc.stdin.flush()
        return True
    except (BrokenPipeError, OSError):
        return False


def run_in_child(app, engine, batch_id, commit, me, echo=None, should_stop=lambda: False, child=None):
    """Run the batch `me` holds in a child process (`child`, started ahead by start_child, or a new one);
    returns how it ended: done, memory, time, stopped or crashed.

    A child whose reader died while the sheet's extent was still being scanned (imports/reading/scanned_read.py) may
    have met a far cell: the batch is run once more with the scan first, so that such a sheet is refused with
    its name and last cell. The time limit counts both runs.
    """
    deadline = time.monotonic() + app.config["IMPORT_TIME_LIMIT_SECONDS"]
    ended, extents = _run_once(app, engine, batch_id, commit, me, echo, should_stop, child, deadline)
    if extents == "ahead" and (ended == "memory" or ended.startswith("crashed: signal")) and \
            _still_running(engine, batch_id, me):
        log.info("Import %s: the child died while reading (%s); running it again with the scan first", batch_id,
                 ended)
        ended, _ = _run_once(app, engine, batch_id, commit, me, echo, should_stop, None, deadline, scan_first=True)
    return ended


def _still_running(engine, batch_id, me):
    with engine.connect() as conn:
        return conn.scalar(select(ImportBatch.status).where(ImportBatch.id == batch_id,
                                                            ImportBatch.claimed_by == me)) in RUNNING


def _run_once(app, engine, batch_id, commit, me, echo, should_stop, child, deadline, scan_first=False):
    """(how the child ended, where its extent scan was: None, "ahead" of it or "scanned")."""
    proc = child if child is not None and child.poll() is None else start_child(app)
    if proc is not child:
        stop_child(child)
    if not _hand_over(proc, batch_id, commit, scan_first):
        stop_child(proc)  # it ended while waiting (killed by someone): a fresh one takes the batch
        proc = start_child(app)
        _hand_over(proc, batch_id, commit, scan_first)
    beat = Heartbeat(engine, batch_id, me, app.config["IMPORT_HEARTBEAT_SECONDS"],
                     app.instance_path if engine.dialect.name == "sqlite" else None)

    def progressed(phase, percent):
        beat.progressed = time.monotonic()
        if echo:
            echo(phase, percent)
    output = ChildOutput(proc, batch_id, progressed, beat.record)
    beat.start()
    ended = None
    try:
        while True:
            try:
                code = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if output.allocation_failed.is_set():
                ended = "memory"
            elif time.monotonic() > deadline:
                ended = "time"
            elif should_stop():
                ended = "stopped"
            if ended:
                proc.kill()
                code = proc.wait()
                break
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        beat.stop()
        output.join()
    if output.tail:  # the child's warnings, or the end of a crash's backtrace
        log.warning("Import %s: the child process wrote:\n%s", batch_id,
                    b"".join(output.tail).decode("utf-8", "replace").rstrip())
    if ended:
        return ended, output.extents
    if code == EXIT_DONE:
        return "done", output.extents
    if code == EXIT_OUT_OF_MEMORY or output.allocation_failed.is_set():
        return "memory", output.extents
    how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
    log.error("Import %s: the child process ended with %s", batch_id, how)
    return f"crashed: {how}", output.extents


def settle(conn, batch_id, me, ended, config, commit):
    """Record how the child ended: done releases the batch, stopped requeues it, anything else fails it."""
    if ended == "done":
        batch_queue.release(conn, batch_id, me)
    elif ended == "stopped":
        batch_queue.give_back(conn, batch_id, me)
        batch_queue.release(conn, batch_id, me)  # a child killed just after it recorded its outcome
    else:
        batch_queue.fail(conn, batch_id, me, failure_message(ended, config, commit))
        if ended == "memory":  # the child may have recorded a failure itself, in less plain words
            _plain_memory_message(conn, batch_id)
        batch_queue.release(conn, batch_id, me)


def failure_message(ended, config, commit):
    if ended == "memory":
        return MEMORY
    if ended == "time":
        seconds = config["IMPORT_TIME_LIMIT_SECONDS"]
        limit = f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} seconds"
        return TIME.format(limit=limit, work="check and write" if commit else "check")
    return CRASHED.format(how=ended.split(": ", 1)[-1])


def _plain_memory_message(conn, batch_id):
    conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status == "failed")
                 .values(message=MEMORY))
