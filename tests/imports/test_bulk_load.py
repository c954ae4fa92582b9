"""Large loads check attendance's foreign keys once per load on PostgreSQL (building its plain indexes once on
SQLite) without ever committing an unchecked row, losing a key or an index, or making a reader wait; small
loads go in row by row."""
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from dashboards import summaries
from extensions import db
from imports.kinds import lookups, writer
from models import Attendance, Goal, GoalReview, bulk_load
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
    def spy(conn, table, rows, **options):
        with real(conn, table, rows, **options) as once:
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


def test_keys_listed_from_the_rows_are_checked_once_and_still_refuse_a_dangling_one(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-by-row checks on SQLite; nothing is deferred to check")
    conn = db.session.connection()
    person = conn.execute(text("SELECT min(id) FROM participant")).scalar()
    goal = conn.execute(text("INSERT INTO goal (participant_id, reference, level, date_set, target_date, status) "
                             "VALUES (:p, 'LT1', 'long_term', '2026-01-05', '2026-06-05', 'active') RETURNING id"),
                        {"p": person}).scalar()
    columns = ("goal_id", "review_date")

    def load(rows):
        listed = lambda: {"goal_id": {goal_id for goal_id, _ in rows}}  # noqa: E731
        with bulk_load.checked_and_indexed_once(conn, GoalReview.__table__, bulk_load.BULK_ROWS,
                                                references=listed) as once:
            assert once  # goal_review has no id: the listed values are what is checked
            writer.insert_rows(conn, GoalReview.__table__, columns, rows)
    load([(goal, "2026-02-02"), (goal, "2026-02-09")])
    assert db.session.scalar(select(func.count()).select_from(GoalReview)) == 2
    with pytest.raises(IntegrityError, match=r"fk_goal_review_goal_id_goal(.|\n)*Key \(goal_id\)=\(987654\)"):
        load([(goal, "2026-02-16"), (987654, "2026-02-16")])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GoalReview)) == 0
    # Without the list, a table without an id has its rows checked one by one.
    with bulk_load.checked_and_indexed_once(db.session.connection(), GoalReview.__table__, bulk_load.BULK_ROWS,
                                            references=dict) as once:
        assert once is False
    db.session.rollback()


def test_a_large_goal_import_checks_keys_once_and_refuses_a_goal_deleted_meanwhile(app, world, run_import,
                                                                                     monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets no other connection write while the import writes")
    from tests.imports.test_goals_import import SHEET, goals_file
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    used, real_check, real_insert = [], bulk_load.checked_and_indexed_once, writer.insert_rows

    @contextmanager
    def spy(conn, table, rows, **options):
        with real_check(conn, table, rows, **options) as once:
            used.append((table.name, once))
            yield once

    def deleting_first(conn, table, columns, rows, progress=None, **options):
        if deleting and table.name == deleting[0]:  # another user removes a person's goals before these rows go in
            with db.engine.begin() as other:
                other.exec_driver_sql("DELETE FROM goal WHERE participant_id IN "
                                      "(SELECT id FROM participant WHERE client_code = %(code)s)", {"code": deleting[1]})
        return real_insert(conn, table, columns, rows, progress, **options)
    monkeypatch.setattr(bulk_load, "checked_and_indexed_once", spy)
    monkeypatch.setattr(writer, "insert_rows", deleting_first)
    deleting = None
    batch = run_import(goals_file(SHEET), "goals", world.agency_a)
    assert (batch.status, used) == ("committed", [("goal", True), ("goal_review", True)])
    # A second file adds a review to A001's goal, which another user deletes while the import writes.
    reviews, deleting = db.session.scalar(select(func.count()).select_from(GoalReview)), ("goal_review", "A001")
    batch = run_import(goals_file([SHEET[3][:8] + [date(2026, 9, 7), None]]), "goals", world.agency_a)
    assert batch.status == "failed" and "Nothing was changed" in batch.message
    assert db.session.scalar(select(func.count()).select_from(Goal)) == 3  # A001's goal gone, A000's kept
    assert db.session.scalar(select(func.count()).select_from(GoalReview)) == reviews
    # A third adds a short-term goal to A000's long-term goal, which another user deletes as the goals go in.
    deleting = ("goal", "A000")
    batch = run_import(goals_file([["A000", "ST2", "short-term goal", "LT1", date(2026, 2, 9), None, "active", None,
                                    None, None]]), "goals", world.agency_a)
    assert batch.status == "failed" and "Nothing was changed" in batch.message
    assert db.session.scalar(select(func.count()).select_from(Goal)) == 0  # A000's goals gone, ST2 not added


READ_BY_PAGES = ("attendance", "participant", "imr_session", "engagement_month", "team", "program")


def _read_without_waiting():
    """Read what the pages read from another connection that gives up on any lock after 500 ms."""
    with db.engine.connect() as reader:
        reader.exec_driver_sql("SET lock_timeout = '500ms'")
        counts = {t: reader.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in READ_BY_PAGES}
        reader.rollback()
    return counts


def test_readers_never_wait_for_a_large_load(app, world, run_import, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite readers wait only for the commit itself")
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    seen, real = [], bulk_load.checked_and_indexed_once

    @contextmanager
    def reading_meanwhile(conn, table, rows, **options):
        with real(conn, table, rows, **options) as once:
            yield once
            seen.append((table.name, once, _read_without_waiting()))  # the rows are in, not yet checked
        seen.append((table.name, once, _read_without_waiting()))  # checked, the transaction still open
    monkeypatch.setattr(bulk_load, "checked_and_indexed_once", reading_meanwhile)
    before = _read_without_waiting()
    batch = run_import(_file(), "sessions", world.agency_a)
    assert (batch.status, batch.counts["new"]) == ("committed", 18)
    assert [(table, once) for table, once, _ in seen] == \
        [("attendance", True)] * 2 + [("engagement_day", True)] * 2 + [("engagement_month", True)] * 2 + \
        [("engagement_total", True)] * 2
    assert all(counts == before for _, _, counts in seen)  # the readers saw the data as it was, at once
    assert _read_without_waiting()["attendance"] == 18


def test_a_participant_deleted_while_a_large_load_goes_in_refuses_it(app, world, run_import, bulk, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets no other connection write while the import writes")
    before = snapshot()
    real = writer.insert_rows

    def deleting_first(conn, table, columns, rows, progress=None, **options):
        if table.name == "attendance":  # another user removes A002 between the check and the write
            with db.engine.begin() as other:
                other.exec_driver_sql("DELETE FROM participant WHERE client_code = 'A002'")
        return real(conn, table, columns, rows, progress, **options)
    monkeypatch.setattr(writer, "insert_rows", deleting_first)
    batch = run_import(_file(), "sessions", world.agency_a)
    assert batch.status == "failed" and "Nothing was changed" in batch.message
    assert bulk == [True]  # refused by the check made once for the load, not by a row-by-row check
    after = snapshot()
    assert len(after["participant"]) == len(before["participant"]) - 1
    assert {t: rows for t, rows in after.items() if t != "participant"} == \
        {t: rows for t, rows in before.items() if t != "participant"}
    assert len(foreign_keys()) == 2


def test_a_summary_refresh_in_progress_lets_others_add_sessions_to_its_team(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    summaries.refresh(db.session.connection(), {world.team_a.id})  # holds the team until the import commits
    with db.engine.connect() as other:  # a clerk's import of another file for the same team
        other.exec_driver_sql("SET lock_timeout = '500ms'")
        other.exec_driver_sql("INSERT INTO imr_session (team_id, session_date, module) VALUES (%(t)s, '2026-03-02', 2)",
                              {"t": world.team_a.id})
        other.rollback()
    db.session.rollback()


@pytest.mark.parametrize("granted", [False, True], ids=["plain-role", "role-granted-set"])
def test_keys_are_checked_once_only_by_a_role_allowed_to_turn_row_checks_off(app, world, granted):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL privilege")
    conn = db.session.connection()
    role = f"imr_bulk_{uuid.uuid4().hex[:12]}"  # created in this transaction, gone with its rollback
    conn.exec_driver_sql(f"CREATE ROLE {role}")
    conn.exec_driver_sql(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
    if granted:
        conn.exec_driver_sql(f"GRANT SET ON PARAMETER session_replication_role TO {role}")
    conn.exec_driver_sql(f"SET LOCAL ROLE {role}")
    participant, session = conn.execute(text("SELECT min(id) FROM participant")).scalar(), \
        conn.execute(text("SELECT min(id) FROM imr_session")).scalar()
    with bulk_load.checked_and_indexed_once(conn, Attendance.__table__, bulk_load.BULK_ROWS) as once:
        conn.execute(text("INSERT INTO attendance (id, session_id, participant_id, status) "
                          "VALUES (1, :s, :p, 'attended')"), {"s": session, "p": participant})
    assert once is granted
    assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"  # row checks back on
    with pytest.raises(IntegrityError, match="fk_attendance_session_id_imr_session"):
        with bulk_load.checked_and_indexed_once(conn, Attendance.__table__, bulk_load.BULK_ROWS):
            conn.execute(text("INSERT INTO attendance (id, session_id, participant_id, status) "
                              "VALUES (2, 987654, :p, 'attended')"), {"p": participant})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


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


@pytest.mark.parametrize("dates, broken", [(("2026-01-05", "2026-06-05"), None),
                                           (("2026-06-05", "2026-01-05"), "ck_goal_set_before_target")])
def test_sqlite_tests_a_large_loads_checks_once_and_refuses_a_row_that_breaks_one(app, world, monkeypatch, dates,
                                                                                  broken):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL tests each row's CHECKs as it goes in")
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    conn = db.session.connection()
    person = conn.exec_driver_sql("SELECT min(id) FROM participant").scalar()

    def load():
        with bulk_load.sqlite_checks_once(conn, Goal.__table__, 2):
            assert conn.exec_driver_sql("PRAGMA ignore_check_constraints").scalar() == 1
            for ref, (set_on, target) in (("LT1", ("2026-01-05", "2026-06-05")), ("LT2", dates)):
                conn.exec_driver_sql("INSERT INTO goal (participant_id, reference, level, date_set, target_date, "
                                     "status) VALUES (?, ?, 'long_term', ?, ?, 'active')", (person, ref, set_on, target))
    if broken:
        with pytest.raises(IntegrityError, match=broken):
            load()
        db.session.rollback()
    else:
        load()
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Goal)) == (0 if broken else 2)
    conn = db.session.connection()
    assert conn.exec_driver_sql("PRAGMA ignore_check_constraints").scalar() == 0  # row by row again after it
    with pytest.raises(IntegrityError, match="CHECK constraint failed"):
        conn.exec_driver_sql("INSERT INTO goal (participant_id, reference, level, date_set, target_date, status) "
                             "VALUES (?, 'LT9', 'long_term', '2026-06-05', '2026-01-05', 'active')", (person,))
    db.session.rollback()


def test_sqlite_refuses_a_large_attendance_load_with_a_status_its_check_forbids(app, world, run_import, monkeypatch):
    """The status CHECK is tested once after a large load on SQLite, not skipped: a status it forbids (as a
    writer bug would produce) fails the import and writes nothing."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL tests each row's CHECKs as it goes in")
    monkeypatch.setattr(bulk_load, "BULK_ROWS", 1)
    before = snapshot()
    monkeypatch.setattr(lookups, "STATUS_NAMES", {**lookups.STATUS_NAMES, 1: "present"})  # 1: attended
    batch = run_import(_file(), "sessions", world.agency_a)
    assert batch.status == "failed" and "Nothing was changed" in batch.message
    assert snapshot() == before
    monkeypatch.undo()
    assert run_import(_file(), "sessions", world.agency_a).status == "committed"  # the same file, statuses right
    assert db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.status == "attended")) == 18


def test_sqlite_rows_loaded_across_steps_with_a_dangling_key_or_a_broken_check_are_never_committed(app, world):
    """The early attendance write's checks on SQLite (row_checks_off_for .. check_rows_after): the keys are
    deferred to the commit, which refuses a row whose session never came; a forbidden status is refused at
    the end of the load. Turned off before the commit, SQLite's deferral forgot its dangling count and committed."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL checks the keys once at the end of the load (above)")
    for session, status in ((987654, "attended"), (None, "present")):
        conn = db.session.connection()
        person = conn.execute(text("SELECT min(id) FROM participant")).scalar()
        if session is None:  # a real session, so only the status is wrong
            session = conn.execute(text("INSERT INTO imr_session (team_id, session_date, module, minutes) "
                                        "SELECT min(id), '2026-02-09', 1, 60 FROM team RETURNING id")).scalar()
        after = bulk_load.row_checks_off_for(conn, Attendance.__table__)
        conn.execute(text("INSERT INTO attendance (session_id, participant_id, status) VALUES (:s, :p, :st)"),
                     {"s": session, "p": person, "st": status})
        with pytest.raises(IntegrityError, match="FOREIGN KEY|CHECK constraint"):
            bulk_load.check_rows_after(conn, Attendance.__table__, after)
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
        assert db.session.scalar(text("PRAGMA ignore_check_constraints")) == 0
