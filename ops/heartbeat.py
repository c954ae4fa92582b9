"""Process heartbeats: the worker and the scheduler each say every few seconds that they are alive.

One row per process (kind, host:pid), its last_seen moved forward by a background thread; /healthz shows
the newest of each kind. A row is kept after its process stops (it says when it was last seen) and pruned
after a week. A failed beat (database away, SQLite busy) is skipped quietly: the process's own loop reports
outages, and a stale last_seen is the signal /healthz gives.
"""
import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete, insert, update
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

log = logging.getLogger(__name__)
KINDS = ("worker", "scheduler")
KEEP = timedelta(days=7)


class ProcessHeartbeat(db.Model):
    __tablename__ = "process_heartbeat"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # worker or scheduler
    host_pid: Mapped[str] = mapped_column(String(120), primary_key=True)  # "host:pid"
    last_seen: Mapped[datetime] = mapped_column(DateTime)  # UTC


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(conn, kind, host_pid, now=None):
    """Record that the process is alive now (its row is made on the first beat)."""
    now = now or datetime.utcnow()
    table = ProcessHeartbeat.__table__
    moved = conn.execute(update(table).where(table.c.kind == kind, table.c.host_pid == host_pid)
                         .values(last_seen=now)).rowcount
    if not moved:
        conn.execute(delete(table).where(table.c.kind == kind, table.c.last_seen < now - KEEP))
        conn.execute(insert(table).values(kind=kind, host_pid=host_pid, last_seen=now))


class Heartbeat(threading.Thread):
    """Beats for this process every `every` seconds until stopped."""

    def __init__(self, engine, kind, every):
        super().__init__(name=f"{kind}-heartbeat", daemon=True)
        assert kind in KINDS, kind
        self.engine, self.kind, self.every = engine, kind, every
        self.host_pid = this_process()
        self.stopped = threading.Event()

    def beat_once(self):
        try:
            with self.engine.begin() as conn:
                beat(conn, self.kind, self.host_pid)
        except Exception as error:
            log.debug("Heartbeat of %s skipped: %s", self.kind, error)

    def run(self):
        while True:
            self.beat_once()
            if self.stopped.wait(self.every):
                return

    def stop(self):
        self.stopped.set()
