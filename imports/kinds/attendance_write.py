"""Writing a checked attendance import: new facilitators and sessions, changed sessions, attendance in bulk.

AttendanceWrite is a part of imports.kinds.attendance.AttendanceImport: it writes the plan that
imports/kinds/attendance_compare.py set, inside the import's transaction.
"""
from contextlib import nullcontext
from functools import partial

from imports.kinds import lookups, writer
from imports.reading.cells import CLEARED
from imports.running import timings
from models import Attendance, Practitioner, Session, bulk_load


class AttendanceWrite:
    """Writes the plan (a part of AttendanceImport)."""

    # --- writing -----------------------------------------------------------------------------------
    def write(self, conn, progress=None):
        """Write the plan inside the caller's transaction; returns the ids of the teams touched."""
        with bulk_load.larger_cache(conn, len(self.plan["new_rows"]) >= bulk_load.BULK_ROWS):
            self._write(conn, progress)
        return self.plan["touched"]

    def _write(self, conn, progress):
        plan, s = self.plan, self.sessions
        # imports/kinds/attendance_early.py
        early = self.early if self.early is not None and self.early.active else None
        if early is not None and not early.holds(plan):
            early.abandon()  # another import recorded one of its sessions meanwhile: the plan is written as usual
            early = None
        with early.row_checks() if early else nullcontext():  # the sessions keep their row-by-row checks
            session_ids = self._write_sessions(conn, plan, s, early)
        names = lookups.STATUS_NAMES
        rows = zip(*self._new_attendance(session_ids, names, early))
        changed_ids, changed_codes = plan["changed"]
        # Only attendance's own rows are checked once: the sessions above keep their row-by-row checks. On
        # SQLite the status CHECK, tested row by row, was a quarter of the insert's CPU (500k rows: 0.2 s).
        new = len(plan["new_rows"])
        references = partial(self._references, session_ids)
        with early.finishing(references) if early else \
                bulk_load.checked_and_indexed_once(conn, Attendance.__table__, new, references=references):
            with bulk_load.sqlite_checks_once(conn, Attendance.__table__, new):
                writer.insert_rows(conn, Attendance.__table__, ("session_id", "participant_id", "status"), rows,
                                   progress, plain=True)
            writer.update_rows(conn, Attendance.__table__, ("status",),
                               ((aid, names[code]) for aid, code in zip(changed_ids, changed_codes)), plain=True)

    def _write_sessions(self, conn, plan, s, early):
        """New facilitators, new sessions (with the ids taken for those written early), changed sessions;
        returns the session ids of the plan's sessions."""
        if plan["new_facilitators"]:
            ids = writer.insert_returning_ids(conn, Practitioner.__table__,
                                              [dict(agency_id=self.agency_id, name=name)
                                               for _, name in plan["new_facilitators"]])
            self.facilitators.update({key: pid for (key, _), pid in zip(plan["new_facilitators"], ids)})
        facilitator = self.facilitators.get
        new_ids = writer.insert_returning_ids(conn, Session.__table__, [
            dict(team_id=s[i][0], participant_id=s[i][1], session_date=s[i][2], module=s[i][3], minutes=s[i][4],
                 topic=s[i][5], practitioner_id=facilitator(s[i][6]) if s[i][6] else None)
            for i in plan["new_sessions"]], taken=early and [early.session_id(i) for i in plan["new_sessions"]])
        timings.lap("write facilitators, sessions")
        session_ids = plan["session_ids"]
        for index, sid in zip(plan["new_sessions"], new_ids):
            session_ids[index] = sid
        writer.update_rows(conn, Session.__table__, ("minutes", "topic", "practitioner_id"), [
            (sid, minutes, topic, None if key is CLEARED else facilitator(key) if key else old_practitioner)
            for _, sid, minutes, topic, key, old_practitioner, *_ in plan["session_changes"]])
        writer.update_rows(conn, Session.__table__, ("module",), self.module_fills)
        return session_ids

    def _references(self, session_ids):
        """{key column: its values in the new records}: their keys are checked as these few values (2,000
        participants and 12,500 sessions for 500k records), not read back from the rows (0.3 s a key)."""
        picked = self.plan["new_rows"]
        if len(picked) == len(self.pid):
            return {"participant_id": set(self.pid), "session_id": set(session_ids)}
        return {"participant_id": set(map(self.pid.__getitem__, picked)),
                "session_id": set(map(session_ids.__getitem__, set(map(self.sidx.__getitem__, picked))))}

    def _new_attendance(self, session_ids, names, early=None):
        """(session ids, participant ids, statuses) of the new records not written early, as iterators mapped
        in C: a first upload of 500k rows writes every record, which a Python loop over the record numbers
        took 0.3-0.5 s to pick."""
        picked = self.plan["new_rows"]
        if early is not None:
            picked = early.left(picked, self.sidx)
        if len(picked) == len(self.pid):  # every record, in order (new_rows is ascending, without repeats)
            sidx, pid, status = self.sidx, self.pid, self.status
        else:
            sidx, pid, status = (map(column.__getitem__, picked) for column in (self.sidx, self.pid, self.status))
        return map(session_ids.__getitem__, sidx), pid, map(names.__getitem__, status)
