"""Large loads build attendance's plain indexes once per load and, on PostgreSQL, check its foreign keys
once, without ever committing an unchecked row or losing an index; small loads go in row by row."""
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from extensions import db
from imports import writer
from models import Attendance, bulk_load
from tests.imports import workbooks as wbk
from tests.imports.conftest import foreign_keys, indexes, snapshot


def _file(weeks=6):
    return wbk.sessions([["Alpha group", date(2026, 2, 9) + timedelta(weeks=w), w % 11 + 1, code, "Y", 60, None,
                          "New Facilitator"] for w in range(weeks) for code in ("A000", "A001", "A002")])


@pytest.fixture
def bulk(monkeypatch):
    """Treat every load as large; returns what checked_and_indexed_once yielded for attendance, in order."""
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    used, real = [], bulk_load.checked_and_indexed_once

    @contextmanager
    def spy(conn, table, rows):
        with real(conn, table, rows) as once:
            if table.name == "attendance":  # (the summaries' refresh after the import is a load too)
                used.append(once)
            yield once
    monkeypatch.setattr(bulk_load, "checked_and_indexed_once", spy)
    return used


def test_a_large_load_checks_keys_once_and_keeps_them(app, world, run_import, bulk):
    keys, indexed = foreign_keys(), indexes()
    batch = run_import(_file(), "sessions", world.agency_a)
    assert (batch.status, batch.counts["new"]) == ("committed", 18)
    on_postgresql = db.engine.dialect.name == "postgresql"
    assert bulk == [on_postgresql]  # SQLite has no row-by-row checks to save
    assert foreign_keys() == keys and (len(keys) == 2) == on_postgresql
    assert indexes() == indexed and "ix_attendance_participant" in indexed  # dropped for the load, built again
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 18


def test_a_large_load_that_fails_midway_changes_nothing_and_keeps_the_keys(app, world, run_import, bulk,
                                                                          monkeypatch):
    keys, indexed, before = foreign_keys(), indexes(), snapshot()
    real = writer.insert_rows

    def failing(conn, table, columns, rows, progress=None, **options):
        def rows_then_failure():
            yield from list(rows)[:3]
            raise RuntimeError("disk on fire")
        return real(conn, table, columns, rows_then_failure(), progress, **options)
    monkeypatch.setattr(writer, "insert_rows", failing)
    batch = run_import(_file(), "sessions", world.agency_a)
    assert batch.status == "failed" and "Nothing was changed" in batch.message
    assert snapshot() == before
    assert foreign_keys() == keys and indexes() == indexed


def test_keys_checked_once_still_refuse_a_dangling_reference(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-by-row checks on SQLite; nothing is deferred to check")
    conn = db.session.connection()
    participant = conn.execute(text("SELECT min(id) FROM participant")).scalar()
    with pytest.raises(IntegrityError, match="fk_attendance_session_id_imr_session"):
        with bulk_load.checked_and_indexed_once(conn, Attendance.__table__, bulk_load.BULK_ROWS) as once:
            assert once
            conn.execute(text("INSERT INTO attendance (session_id, participant_id, status) "
                              "VALUES (987654, :p, 'attended')"), {"p": participant})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    assert len(foreign_keys()) == 2


def test_a_large_load_gives_way_to_a_busy_table(app, world, run_import, bulk, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes no table locks for this")
    monkeypatch.setattr(bulk_load, "LOCK_WAIT_MS", 200)
    db.session.commit()
    with db.engine.connect() as reader:  # a dashboard in the middle of reading attendance
        reader.execute(select(func.count()).select_from(Attendance)).scalar()
        batch = run_import(_file(), "sessions", world.agency_a)
        reader.rollback()
    assert (batch.status, batch.counts["new"]) == ("committed", 18)
    assert bulk == [False]  # it did not wait for the reader: rows were checked one by one
    assert len(foreign_keys()) == 2


def test_sqlite_gets_a_larger_page_cache_only_while_a_large_load_goes_in(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting; PostgreSQL's memory is the server's")
    conn = db.session.connection()
    cache = lambda: conn.exec_driver_sql("PRAGMA cache_size").scalar()  # noqa: E731
    before = cache()
    with bulk_load.larger_cache(conn, False):
        assert cache() == before
    with bulk_load.larger_cache(conn, True):
        assert cache() == -64 * 1024
    assert cache() == before
