"""A committing attendance import's surely new records written while the rest of the file is still checked.

On PostgreSQL the server's half of a large import (COPY into attendance, its indexes kept in order) ran after
the reader's half (parse, check), one after the other on a 2-core machine. Here a thread copies the records
checked so far into attendance, chunk by chunk, inside the import's one transaction, while the main thread
reads on: the server works on the second core meanwhile. On SQLite the writing is the import's own process
(SQLite's C, B-trees kept in order), and the sqlite3 module lets go of the GIL while a statement runs: the
thread's multi-row INSERTs (writer.insert_rows, thousands of rows a statement) run on the second core beside
the check's Python. SQLite's connection is the import's alone (it holds the database's write lock from the
first session id taken), and is shared with the thread only on a database file (SQLAlchemy opens those
usable from any thread; an in-memory one is not, and writes nothing early).

Only records that any plan would write are copied: those of sessions dated after the latest session
recorded for their team (one query before the read). Such a session cannot be recorded yet, so all its
records are new. Their session ids are taken from the sequence now; the sessions themselves are written with
the rest of the plan (their minutes, topic and facilitator are known only once every row is read).

Nothing of it is seen before the commit, and the commit is the one of the whole import: a refused file, a
preview that moved (a checked import's commit still compares its plan with the preview before it commits), a
crash or a kill roll it back with the rest; readers meanwhile meet only the new rows' own locks. The main
thread leaves the connection to this one while the file is read (the check reads what it needs before). It all happens after a savepoint; if the
plan finally disagrees (another import recorded one of those sessions meanwhile), the early rows are rolled
back to it and the plan is written as usual. The rows' foreign keys are checked once when the write ends
(models/bulk_load.py), so the early write needs a load of BULK_ROWS or more and the permission to check once;
SQLite defers them to the commit instead (the rows' sessions are written later) and tests attendance's status
CHECK once at the end.

Tried and dropped (branch pgimp-earlydays): writing the early sessions' daily summaries here too, chunk by
chunk (a temporary table of the sessions taken, a day met again written again), so the refresh after the write
recomputed only the days before them. The summaries equalled the live numbers, but the server is busy through
the read already (this COPY ends ~2.5 s after it): the refresh fell from 7.4-8.0 s to 3.4-4.2 s and the wait
after the read grew from 2.5 s to 9.2-10.7 s; the import took 1.18-1.20x as long and the server's CPU 1.13-1.15x
(500k rows, off/on alternated in one run at load 3-4).
"""
import threading
from array import array
from contextlib import contextmanager
from datetime import date
from itertools import compress
from operator import not_

from sqlalchemy import exc, select

from dashboards.freshness import newest_session
from imports.kinds import writer
from imports.kinds.lookups import STATUS_NAMES
from models import Attendance, Session, Team, bulk_load

CHUNK = bulk_load.BULK_ROWS  # records a COPY takes; the first waits for this many, so small files never start
POLL_SECONDS = 0.1
# On SQLite, once started, about one INSERT statement's worth at a time (writer.insert_rows): what is left when
# the read ends is written after it, alone (a chunk of up to 50k records there: 0.2 s of CPU).
SQLITE_STEP = 10_000
SAVEPOINT = "early_attendance"


class EarlyWrite:
    """Copies the surely new records of a checked-so-far import in a thread; the write finishes or undoes it."""

    def __init__(self, conn, handler):
        self.conn, self.handler = conn, handler
        # Each team's from its index, not all its sessions; not team_data_change's copy, which a failed stamp can
        # leave behind (holds() would catch that at the end, at the cost of the early rows).
        self.latest = {team: day for team, day in conn.execute(
            select(Team.id, newest_session(Team.id)).where(Team.id.in_(sorted(handler.teams.names))))
            if day is not None}
        self.ids = []  # session index -> id taken for it (0: not written early)
        self.done = 0  # records looked at (copied, or left for the plan)
        self.copied = self.taken = 0  # records copied, session ids taken
        self.highest = 0  # the highest session id taken (SQLite hands out ids above the table's highest)
        self.after = None  # attendance's highest id before the first copy (bulk_load.row_checks_off_for)
        self.refused = False  # the keys may not be checked once: nothing is written early
        self.error = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="early-attendance", daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, conn, handler, commit):
        """An EarlyWrite when this run commits on PostgreSQL or into an SQLite file, else None."""
        if not commit or not (conn.dialect.name == "postgresql" or conn.dialect.name == "sqlite" and
                              conn.engine.url.database not in (None, "", ":memory:")):
            return None
        return cls(conn, handler)

    # --- the thread ----------------------------------------------------------------------------------
    def _run(self):
        try:
            while not self.refused:
                read = self.stopping.wait(POLL_SECONDS)  # the whole file is read: copy what is left, and end
                # Records counted by their status, the last of their three columns the check appends: counted by
                # the first, a record whose status was not in yet fell out of zip() and was never written
                # (499,999 of 500,000 rows committed, once in a few runs).
                complete = len(self.handler.status)
                waiting = complete - self.done
                if waiting >= self._step or (read and waiting and self.active):
                    self._copy(complete)
                if read:
                    return
        except (self.conn.dialect.dbapi.IntegrityError, exc.IntegrityError):  # COPY's own; SQLite's through SQLAlchemy
            # A record the check refuses broke a key (a participant twice for one new session): step aside, so
            # the check reports it at its row as without the early write, and the refusal rolls back the rest.
            self._step_aside()
        except BaseException as error:  # raised again in the main thread by stop()
            self.error = error

    @property
    def _step(self):
        """Records to wait for before the next copy."""
        return min(CHUNK, SQLITE_STEP) if self.active and self.conn.dialect.name == "sqlite" else CHUNK

    def _step_aside(self):
        """Undo the early rows (and the checks' setting) and write nothing early from now on."""
        self.conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        self.conn.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")
        bulk_load.checks_back_after_rollback(self.conn)
        self.after, self.refused, self.ids = None, True, []

    def _copy(self, end):
        """Copy the records [done, end) of sessions that are surely new."""
        h = self.handler
        if not self._take_ids(len(h.sessions)):  # a re-upload: no session is surely new, nothing to pick
            self.done = end
            return
        sidx = h.sidx[self.done:end]
        sids = list(map(self.ids.__getitem__, sidx))
        statuses = map(STATUS_NAMES.__getitem__, h.status[self.done:end])
        pids = h.pid[self.done:end]
        if not all(sids):
            kept = list(map(bool, sids))
            sids, pids, statuses = (list(compress(column, kept)) for column in (sids, pids, statuses))
        if sids and (self.active or self._open()):  # a re-upload writes nothing early, and changes no setting
            self.copied += writer.insert_rows(self.conn, Attendance.__table__,
                                              ("session_id", "participant_id", "status"), zip(sids, pids, statuses),
                                              plain=True)
        self.done = end

    def _open(self):
        """Savepoint, then the row-by-row checks off (bulk_load); False when they may not be."""
        self.conn.exec_driver_sql(f"SAVEPOINT {SAVEPOINT}")
        self.after = bulk_load.row_checks_off_for(self.conn, Attendance.__table__)
        if self.after is not None:
            return True
        self.conn.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")
        self.refused = True  # checked row by row, every attendance row needs its session first: the plan writes
        return False

    def _take_ids(self, sessions):
        """Ids for the sessions found since the last chunk that are dated after their team's latest; returns
        how many sessions have one so far."""
        h, start = self.handler, len(self.ids)
        new = [i for i in range(start, sessions)
               if h.sessions[i][2] > self.latest.get(h.sessions[i][0], date.min)]
        self.ids.extend([0] * (sessions - start))
        for i, sid in zip(new, writer.new_ids(self.conn, Session.__table__, len(new), above=self.highest)):
            self.ids[i] = self.highest = sid
        self.taken += len(new)
        return self.taken

    # --- the main thread -----------------------------------------------------------------------------
    def stop(self):
        """Let the thread copy what is left and end (the file is read); raise what went wrong in it."""
        self.stopping.set()
        self.thread.join()
        if self.error is not None:
            raise self.error
        self.ids.extend([0] * (len(self.handler.sessions) - len(self.ids)))  # a session per record: none is left

    def holds(self, plan):
        """True when every session written early is new in the plan (then so is each of its records)."""
        return all(plan["session_ids"][i] is None for i, sid in enumerate(self.ids) if sid)

    def session_id(self, index):
        """The id taken early for this session, or None."""
        return self.ids[index] or None

    @property
    def active(self):
        """True once rows go in early (the checks are off until finish, or the rollback)."""
        return self.after is not None

    def abandon(self):
        """Roll the early rows back, and the checks' setting with them: the plan is written as usual."""
        if self.active:
            self.conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            bulk_load.checks_back_after_rollback(self.conn)
            self.after = None
        self.ids = []

    def row_checks(self):
        """A block whose rows are checked row by row (the sessions the early records refer to)."""
        return bulk_load.checked_row_by_row(self.conn)

    def left(self, picked, sidx):
        """The record numbers among `picked` whose session was not written early."""
        return array("q", compress(picked, map(not_, map(self.ids.__getitem__, map(sidx.__getitem__, picked)))))

    @contextmanager
    def finishing(self, references=None):
        """The block in which the plan writes the rest of attendance; at its end, as finish()."""
        yield
        self.finish(references)

    def finish(self, references=None):
        """The checks back on, and the keys of every attendance row written since the first copy checked once
        (`references`: as for bulk_load.checked_and_indexed_once)."""
        if self.active:
            bulk_load.check_rows_after(self.conn, Attendance.__table__, self.after, references)
            self.conn.exec_driver_sql(f"RELEASE SAVEPOINT {SAVEPOINT}")
            self.after = None
