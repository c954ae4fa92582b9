"""The import worker (`flask --app app worker`): takes waiting batches from the table and runs each in a child.

Why a polling loop and not a task library: the work already waits in import_batch rows (the page polls
them, the CLI and web write them), both SQLite and PostgreSQL must work, and the queue needs exactly three
statements (claim, heartbeat, sweep). A broker (Redis, RabbitMQ) would be a second store to keep in step
with the rows; the PostgreSQL-only queues (procrastinate, pgqueuer) leave SQLite out. An idle worker asks
once a second: one indexed query.

Any number of workers may share a PostgreSQL database; each runs one batch at a time. On SQLite, run one
(more would only wait on its single writer lock). A worker also sweeps, at start and every few seconds, for
batches whose process died (see imports/running/batch_queue.py), so none is shown as running forever.
"""
import logging
import signal
import threading

from extensions import db
from imports.running import batch_queue, supervisor
from ops.faults import OutageWatch, describe
from ops.heartbeat import Heartbeat

log = logging.getLogger(__name__)


class Sweeper(threading.Thread):
    """Requeues or fails batches whose worker went silent, every quarter of the stale window."""

    def __init__(self, engine, stale_seconds):
        super().__init__(name="import-sweeper", daemon=True)
        self.engine, self.stale_seconds = engine, stale_seconds
        self.stopped = threading.Event()

    def sweep(self):
        try:
            with self.engine.begin() as conn:
                found = batch_queue.sweep(conn, self.stale_seconds)
            if found:
                log.warning("Found %s import(s) whose process stopped: requeued or failed.", found)
        except Exception as error:  # the database may be busy or away for a moment: the next round will do
            log.warning("Sweeping for stopped imports failed: %s", describe(error))

    def run(self):
        while not self.stopped.wait(max(self.stale_seconds / 4, 0.5)):
            self.sweep()


class Worker:
    """Claims waiting batches one at a time and runs each in a child process under the configured limits."""

    def __init__(self, app):
        self.app = app
        self.engine = db.engine
        self.me = batch_queue.claimer("worker")
        self.stopping = threading.Event()
        self.spare = None  # the child for the next batch, started while this worker waits (supervisor.start_child)
        self.outage = OutageWatch(log, f"Import worker {self.me}", longest=10)

    def stop(self, *_):
        """Stop taking work; a running batch's child is killed and the batch goes back to the queue."""
        self.stopping.set()

    def run_one(self):
        """Take and run one waiting batch; False when nothing waits (or the database is busy)."""
        try:
            with self.engine.begin() as conn:
                job = batch_queue.claim_next(conn, self.me)
        except Exception as error:  # the database away, or SQLite locked by a long write: look again later
            self.stopping.wait(self.outage.failed(error))  # logged once per outage, waits growing
            return False
        self.outage.recovered()
        if job is None:
            return False
        batch_id, commit = job
        log.info("Import %s: %s", batch_id, "checking and writing" if commit else "checking")
        child, self.spare = self.spare, None
        ended = supervisor.run_in_child(self.app, self.engine, batch_id, commit, self.me,
                                        should_stop=self.stopping.is_set, child=child)
        if not self.stopping.is_set():
            self.spare = supervisor.start_child(self.app)
        self._settle(batch_id, ended, commit)
        log.info("Import %s: %s", batch_id, ended)
        return True

    def _settle(self, batch_id, ended, commit):
        for _ in range(30):  # SQLite may be locked for a moment by another process's write
            try:
                with self.engine.begin() as conn:
                    supervisor.settle(conn, batch_id, self.me, ended, self.app.config, commit)
                return
            except Exception:
                log.exception("Could not record how import %s ended; trying again", batch_id)
                self.stopping.wait(1)
        # the sweep of another worker, or of this one's next start, will end it

    def serve(self, once=False):
        """Run batches until stopped (SIGTERM, Ctrl-C), or with `once` until nothing waits."""
        sweeper = Sweeper(self.engine, self.app.config["IMPORT_STALE_SECONDS"])
        sweeper.sweep()
        sweeper.start()
        self.spare = None if once else supervisor.start_child(self.app)
        heartbeat = Heartbeat(self.engine, "worker", self.app.config["HEARTBEAT_SECONDS"])
        heartbeat.start()
        try:
            while not self.stopping.is_set():
                if not self.run_one():
                    if once:
                        break
                    self.stopping.wait(self.app.config["IMPORT_POLL_SECONDS"])
        finally:
            sweeper.stopped.set()
            supervisor.stop_child(self.spare)
            heartbeat.stop()


def install_signal_handlers(worker):
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, worker.stop)
