"""All or nothing: a failure or a killed process in the middle of a commit leaves the database as it was."""
import os
import signal
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from imports.kinds import writer
from imports.models import ImportBatch
from models import Attendance, AuditLog, Participant
from tests.imports import workbooks as wbk
from tests.imports.conftest import foreign_keys, indexes, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _file():
    """Six weeks of a group's sessions: six new sessions and eighteen attendance rows."""
    return wbk.sessions([["Alpha group", date(2026, 2, 9) + timedelta(weeks=w), w % 11 + 1, code, "Y", 60, None,
                          "New Facilitator"] for w in range(6) for code in ("A000", "A001", "A002")])


def test_failure_injected_mid_commit_changes_nothing(app, world, run_import, monkeypatch):
    before = snapshot()
    real = writer.insert_rows
    written = []

    def failing(conn, table, columns, rows, progress=None, **options):
        def rows_then_failure():
            for n, row in enumerate(rows):
                if n == 4:  # two chunks of two rows are already written inside the transaction
                    on_sqlite = conn.dialect.name == "sqlite"  # (PostgreSQL is inside a COPY: no query possible)
                    written.append(conn.execute(select(func.count()).select_from(Attendance)).scalar()
                                   if on_sqlite else "copying")
                    raise RuntimeError("disk on fire")
                yield row
        return real(conn, table, columns, rows_then_failure(), progress, **options)

    monkeypatch.setattr(writer, "CHUNK", 2)
    monkeypatch.setattr(writer, "insert_rows", failing)
    batch = run_import(_file(), "sessions", world.agency_a)
    assert batch.status == "failed" and "Nothing was changed" in batch.message
    assert written in ([4], ["copying"])  # it failed mid-write: on SQLite four rows were in the transaction
    assert snapshot() == before  # no session, facilitator or attendance row survived
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "import_batch")) is None
    monkeypatch.setattr(writer, "insert_rows", real)
    retry = run_import(_file(), "sessions", world.agency_a)
    assert (retry.status, retry.counts["new"]) == ("committed", 18)


@pytest.mark.parametrize("bulk", [False, True], ids=["rows-checked-one-by-one", "keys-checked-once"])
def test_process_killed_mid_commit_leaves_the_database_as_it_was(app, world, database_url, tmp_path, bulk):
    path = tmp_path / "sessions.xlsx"
    path.write_bytes(_file())
    before, keys, indexed = snapshot(), foreign_keys(), indexes()
    db.session.commit()
    db.session.close()
    env = {**os.environ, "DATABASE_URL": database_url, "IMR_TEST_BULK_ROWS": "1" if bulk else "50000"}
    child = subprocess.Popen([sys.executable, "-m", "tests.imports.kill_helper", str(path), "--kind", "sessions",
                              "--agency", "AAA", "--quiet"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("WRITING attendance"), line + child.stderr.read()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    db.session.remove()
    db.engine.dispose()  # new connections: SQLite rolls its hot journal back on first use
    assert snapshot() == before
    assert foreign_keys() == keys  # keys dropped for a large load come back with the rollback
    assert indexes() == indexed  # and so do indexes
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.status == "committing"  # recorded as started, never finished: shown as interrupted later
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "import_batch")) is None


def test_the_summaries_commit_with_the_import_or_not_at_all(app, world, run_import, monkeypatch):
    """The engagement summaries are refreshed inside the import's transaction: when that fails, nothing lands."""
    from dashboards import summaries
    before = snapshot()
    months_before = db.session.execute(select(summaries.M)).all()
    real = summaries.refresh

    def broken(*args, **kwargs):
        raise RuntimeError("summary refresh broke")
    monkeypatch.setattr(summaries, "refresh", broken)
    batch = run_import(_file(), "sessions", world.agency_a)
    assert batch.status == "failed" and "Nothing was changed" in batch.message
    assert snapshot() == before and db.session.execute(select(summaries.M)).all() == months_before
    monkeypatch.setattr(summaries, "refresh", real)
    batch = run_import(_file(), "sessions", world.agency_a)
    assert batch.status == "committed"
    a000_id = db.session.scalar(select(Participant.id).where(Participant.client_code == "A000"))
    a000 = {r.month: r for r in db.session.execute(select(summaries.M)).all() if r.participant_id == a000_id}
    assert (a000[202602].attended, a000[202603].attended) == (3, 3)  # six weeks from 9 Feb, attended
