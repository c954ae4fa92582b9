"""The import queue is the import_batch table: take a waiting batch, keep it alive, give it back, end it.

Every function takes a Core connection in a transaction (`engine.begin()`) and changes rows only under a
condition on claimed_by, so that two workers (or a worker and a late heartbeat) never overwrite each other:
a worker owns a batch exactly while claimed_by holds its name. See imports/models.py for the states.
"""
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import case, select, update

from imports.models import RUNNING, ImportBatch

WAITING = ("queued", "committing")  # with claimed_by NULL: to check, to check and write
MAX_ATTEMPTS = 2  # a batch whose worker died is run once more, then failed
LOST = ("The import stopped without finishing: the process running it ended before it could say why. "
        "Nothing was changed. Upload the file again; if this happens again, split it into smaller files.")


def claimer(role):
    """The name a process claims batches under: "worker host:pid" or "cli host:pid"."""
    return f"{role} {socket.gethostname()}:{os.getpid()}"


def claim_next(conn, me):
    """Take the oldest waiting batch for `me`: (batch id, commit?) or None when nothing waits.

    A conditional UPDATE is the lock: on PostgreSQL a second worker's UPDATE of the same row waits for the
    first to commit, then finds claimed_by set and changes nothing; SQLite runs one writer at a time.
    """
    waiting = conn.execute(select(ImportBatch.id, ImportBatch.status)
                           .where(ImportBatch.claimed_by.is_(None), ImportBatch.status.in_(WAITING))
                           .order_by(ImportBatch.id).limit(20)).all()
    for batch_id, status in waiting:
        taken = conn.execute(update(ImportBatch)
                             .where(ImportBatch.id == batch_id, ImportBatch.claimed_by.is_(None),
                                    ImportBatch.status == status)
                             .values(claimed_by=me, attempts=ImportBatch.attempts + 1,
                                     heartbeat_at=datetime.utcnow(), phase="starting"))
        if taken.rowcount == 1:
            return batch_id, status == "committing"
    return None


def heartbeat(conn, batch_id, me):
    """Say that `me` still runs the batch."""
    conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.claimed_by == me)
                 .values(heartbeat_at=datetime.utcnow()))


def record_progress(conn, batch_id, me, phase, percent):
    """Record the phase and percentage the child of `me` reported, with a heartbeat.

    Never backwards: a report that arrives after a later one (the child commits the status changes itself)
    or after the outcome (100) changes nothing.
    """
    conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.claimed_by == me,
                                           ImportBatch.status.in_(RUNNING), ImportBatch.percent <= percent)
                 .values(phase=phase[:40], percent=percent, heartbeat_at=datetime.utcnow()))


def release(conn, batch_id, me):
    """Let go of a batch whose run recorded its own outcome (a checked batch can then be committed).

    A run lets go itself when it records its outcome (operations._store); then this changes no row.
    """
    conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.claimed_by == me)
                 .values(claimed_by=None))


def fail(conn, batch_id, me, message):
    """End a batch `me` holds as failed with `message`, unless its run already recorded an outcome."""
    return conn.execute(update(ImportBatch)
                        .where(ImportBatch.id == batch_id, ImportBatch.claimed_by == me,
                               ImportBatch.status.in_(RUNNING))
                        .values(status="failed", message=message, phase="finished", claimed_by=None,
                                heartbeat_at=datetime.utcnow(), finished_at=datetime.utcnow())).rowcount


def give_back(conn, batch_id, me):
    """Put a batch back in the queue as it was before `me` took it (the worker is stopping)."""
    conn.execute(update(ImportBatch)
                 .where(ImportBatch.id == batch_id, ImportBatch.claimed_by == me, ImportBatch.status.in_(RUNNING))
                 .values(status=_waiting_status(ImportBatch.status), claimed_by=None, phase="waiting to start",
                         percent=0, attempts=ImportBatch.attempts - 1, heartbeat_at=datetime.utcnow()))


def sweep(conn, stale_seconds):
    """Requeue (once) or fail the batches whose process stopped sending heartbeats; returns how many."""
    cutoff = datetime.utcnow() - timedelta(seconds=stale_seconds)
    lost = conn.execute(select(ImportBatch.id, ImportBatch.claimed_by, ImportBatch.attempts)
                        .where(ImportBatch.claimed_by.is_not(None), ImportBatch.status.in_(RUNNING),
                               ImportBatch.heartbeat_at < cutoff)).all()
    for batch_id, holder, attempts in lost:
        still_lost = (ImportBatch.id == batch_id, ImportBatch.claimed_by == holder, ImportBatch.heartbeat_at < cutoff)
        if holder.startswith("worker ") and attempts < MAX_ATTEMPTS:
            conn.execute(update(ImportBatch).where(*still_lost).values(
                status=_waiting_status(ImportBatch.status), claimed_by=None, percent=0,
                phase="waiting to start again", heartbeat_at=datetime.utcnow()))
        else:  # a second loss, or `flask import` interrupted: its user is gone, so nobody should run it later
            conn.execute(update(ImportBatch).where(*still_lost).values(
                status="failed", message=LOST, phase="finished", claimed_by=None,
                finished_at=datetime.utcnow()))
    return len(lost)


def _waiting_status(status_column):
    """A commit request goes back to waiting as one; anything else waits to be checked again."""
    return case((status_column == "committing", "committing"), else_="queued")
