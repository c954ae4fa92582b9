"""Start `flask --app app worker` as a real process on a test database, with windows short enough for tests."""
import os
import signal
import subprocess
import sys
import time
from datetime import date

from sqlalchemy import select

from extensions import db
from imports import operations
from imports.models import ImportBatch
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAST = {"IMPORT_HEARTBEAT_SECONDS": "0.5", "IMPORT_STALE_SECONDS": "3", "IMPORT_POLL_SECONDS": "0.2"}
HOOK = {"IMR_TEST_CHILD_HOOK": "tests.imports.child_hooks"}
ROWS = [["Alpha group", date(2026, 2, 9), 2, code, "Y"] for code in ("A000", "A001", "A002")]
FILE = wbk.sessions(ROWS, header=wbk.SESSIONS_HEADER[:5])  # the small session log the worker tests queue


def queue(agency, data=FILE, commit=False):
    """The id of a batch of the file queued (or queued to be committed) for a worker, committed."""
    batch_id = operations.create_batch(agency, "sessions", "s.xlsx", data,
                                       status="committing" if commit else "queued").id
    db.session.commit()
    return batch_id


def fresh_snapshot():
    """The data tables' snapshot on new connections: SQLite rolls a killed writer's hot journal back on first use."""
    db.session.remove()
    db.engine.dispose()
    return snapshot()


class WorkerProcess:
    """A worker process; use as a context manager (stopped with SIGTERM, as a service manager would)."""

    def __init__(self, database_url, log_path, *args, **env):
        environment = {**os.environ, **FAST, **HOOK, "DATABASE_URL": database_url, **env}
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", *args], cwd=ROOT,
                                     env=environment, stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        """SIGTERM, then wait for it to give its batch back and exit (SIGKILL after 20 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()

    def output(self):
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")


def wait_for(predicate, seconds=60, every=0.1, what="condition"):
    """Poll until predicate() is truthy; returns its value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def batch_row(batch_id):
    """The batch as the database has it now (a fresh read, outside the test's session cache)."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalar(select(ImportBatch).where(ImportBatch.id == batch_id))


def wait_until_finished(batch_id, seconds=60):
    return wait_for(lambda: (lambda b: b if b.status not in ("queued", "checking", "committing") else None)(
        batch_row(batch_id)), seconds, what=f"import {batch_id} to finish")


def pid_gone(pid):
    """True once the process has ended (a zombie nobody reaped yet counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
