"""SQLite: while an import holds the database's write lock, its worker's heartbeat and percentage reach the pages
through a file (imports/running/locked_progress.py), so a live import is never shown stalled or interrupted."""
import os
import sqlite3
import time
from datetime import datetime, timedelta

from sqlalchemy import select

from extensions import db
from imports import operations
from imports.models import ImportBatch
from imports.running import locked_progress
from imports.running.supervisor import Heartbeat


def _committing(world, minutes_silent):
    """A batch a worker is committing whose row has not been written for a while (the import holds the lock)."""
    batch = operations.create_batch(world.agency_a, "roster", "r.xlsx", b"PK")
    batch.status, batch.claimed_by, batch.phase, batch.percent = "committing", "worker w:1", "checking", 12
    batch.heartbeat_at = datetime.utcnow() - timedelta(minutes=minutes_silent)
    db.session.commit()
    return batch.id


def _hold_write_lock():
    path = db.engine.url.database
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as the importing child does from its early write to its commit
    return holder


def test_a_locked_import_shows_its_worker_alive_and_its_percentage(sqlite_app, sqlite_world, sqlite_client,
                                                                   sqlite_auth):
    app, client = sqlite_app, sqlite_client
    batch_id = _committing(sqlite_world, minutes_silent=3)
    sqlite_auth.login(sqlite_world.users["manager_a"])
    page = client.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "stopped without finishing" in page  # silent for three minutes and nothing else to go by

    holder = _hold_write_lock()
    beat = Heartbeat(db.engine, batch_id, "worker w:1", 0.05, app.instance_path)
    beat.start()
    try:
        beat.record("writing attendance", 70)
        deadline = time.monotonic() + 10
        while client.get(f"/api/v1/imports/{batch_id}").get_json()["imports"]["percent"] != 70:
            assert time.monotonic() < deadline, "the page never saw the worker's percentage"
            time.sleep(0.05)
        data = client.get(f"/api/v1/imports/{batch_id}").get_json()["imports"]
        assert (data["status"], data["running"], data["phase"]) == ("committing", True, "writing attendance")
        page = client.get(f"/imports/{batch_id}").get_data(as_text=True)
        assert "stopped without finishing" not in page and "70%" in page
        listed = client.get("/api/v1/imports").get_json()["imports"]
        assert [(b["status"], b["percent"]) for b in listed if b["id"] == batch_id] == [("committing", 70)]
        db.session.expire_all()  # the row itself was never written: the lock is held
        assert db.session.scalar(select(ImportBatch.percent).where(ImportBatch.id == batch_id)) == 12
    finally:
        holder.rollback()
        holder.close()
        beat.stop()
    assert not os.path.exists(os.path.join(app.instance_path, locked_progress.FOLDER, f"{batch_id}.json"))


def test_a_file_of_another_worker_older_than_the_row_or_of_a_finished_batch_changes_nothing(sqlite_app,
                                                                                          sqlite_world):
    folder, batch_id = sqlite_app.instance_path, _committing(sqlite_world, minutes_silent=3)
    batch = db.session.get(ImportBatch, batch_id)
    try:
        locked_progress.write(folder, batch_id, "worker gone:2", "old", 99)  # left by a worker that died
        assert (locked_progress.apply(batch, folder).percent, batch.interrupted) == (12, True)
        locked_progress.write(folder, batch_id, "worker w:1", "old", 99)
        batch.heartbeat_at = datetime.utcnow() + timedelta(seconds=5)  # the row is newer than the file
        db.session.commit()
        assert locked_progress.apply(batch, folder).percent == 12
        batch.status, batch.heartbeat_at = "committed", datetime.utcnow() - timedelta(hours=1)
        db.session.commit()
        assert locked_progress.apply(batch, folder).percent == 12
        assert not db.session.dirty
    finally:
        locked_progress.clear(folder, batch_id)
