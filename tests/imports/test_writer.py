"""The bulk writer stores exactly the values it is given, in order, whichever way it sends them."""
import pytest
from sqlalchemy import select

from extensions import db
from imports.kinds import writer
from models import Practitioner

NAMES = ["O'Brien, Siobhán", 'say "hi"', "back\\slash", "tab\there", "日本語", "😀 emoji", "   spaced   ", "0012",
         "1e5", "null", "[1, 2]"]


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "processed"])
def test_rows_arrive_exactly_and_in_order(app, world, plain, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK", 4)  # several chunks, the last one short
    conn = db.session.connection()
    rows = [(world.agency_a.id, name) for name in NAMES]
    progress = []
    assert writer.insert_rows(conn, Practitioner.__table__, ("agency_id", "name"), iter(rows), progress.append,
                              plain=plain) == len(NAMES)
    stored = conn.execute(select(Practitioner.agency_id, Practitioner.name).where(Practitioner.name.in_(NAMES))
                          .order_by(Practitioner.id)).all()
    assert [tuple(row) for row in stored] == rows
    assert all(isinstance(row.agency_id, int) for row in stored)  # an int stays an int, "0012" stays text
    assert progress == [4, 8, 11]


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "processed"])
def test_updates_change_exactly_the_rows_named(app, world, plain, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK", 4)
    conn = db.session.connection()
    before = [dict(agency_id=world.agency_a.id, name=f"Before {i}") for i in range(len(NAMES))]
    ids = writer.insert_returning_ids(conn, Practitioner.__table__, before)
    untouched = ids.pop()  # the last one is not named in the update
    writer.update_rows(conn, Practitioner.__table__, ("name",), iter(zip(ids, NAMES)), plain=plain)
    named = select(Practitioner.id, Practitioner.name).where(Practitioner.id.in_([*ids, untouched]))
    stored = dict(conn.execute(named).all())
    assert [stored[i] for i in ids] == NAMES[:len(ids)]
    assert stored[untouched] == f"Before {len(NAMES) - 1}"


def test_plain_rows_go_in_statements_within_sqlites_parameter_limit(sqlite_app, sqlite_world, monkeypatch):
    """Multi-row VALUES statements hold as many rows as the connection's limit on parameters allows."""
    import sqlite3
    monkeypatch.setattr(writer, "CHUNK", 4)
    conn = db.session.connection()
    raw = conn.connection.driver_connection
    before = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 5)  # 2 rows of 2 columns a statement
    try:
        rows = [(sqlite_world.agency_a.id, name) for name in NAMES]
        assert writer.insert_rows(conn, Practitioner.__table__, ("agency_id", "name"), iter(rows), plain=True) == 11
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)
    stored = conn.execute(select(Practitioner.agency_id, Practitioner.name).where(Practitioner.name.in_(NAMES))
                          .order_by(Practitioner.id)).all()
    assert [tuple(row) for row in stored] == rows


@pytest.mark.parametrize("autocommit", [False, True], ids=["in a transaction", "autocommit"])
def test_new_ids_come_back_in_the_order_of_the_rows(app, world, autocommit):
    """Each id returned is the id of the row in that place, after rows deleted at the end of the table too."""
    conn = db.session.connection()
    if autocommit:
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the autocommit fallback is SQLite's")
        db.session.commit()
        conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    gone = writer.insert_returning_ids(conn, Practitioner.__table__, [dict(agency_id=world.agency_a.id, name="Gone")])
    conn.execute(Practitioner.__table__.delete().where(Practitioner.id == gone[0]))
    rows = [dict(agency_id=world.agency_a.id, name=name) for name in NAMES]
    ids = writer.insert_returning_ids(conn, Practitioner.__table__, rows)
    stored = dict(conn.execute(select(Practitioner.id, Practitioner.name).where(Practitioner.id.in_(ids))).all())
    assert [stored[i] for i in ids] == NAMES and len(set(ids)) == len(NAMES)
    if autocommit:
        conn.execute(Practitioner.__table__.delete().where(Practitioner.id.in_(ids)))
        conn.close()
