"""The attendance import's preview lines: sessions first, then attendance, worded only when read.

AttendancePreview is a part of imports.kinds.attendance.AttendanceImport: it reads the plan that
imports/kinds/attendance_compare.py set.
"""
from functools import cached_property

from imports.kinds import changes, lookups
from imports.reading.cells import CLEARED


class AttendancePreview:
    """Words the plan as the preview's lines (a part of AttendanceImport)."""

    # --- the preview's lines ----------------------------------------------------------------------------
    def changes(self):
        """Yield the preview's lines: sessions first, then attendance; lazily (500k new rows are 500k lines)."""
        plan, s = self.plan, self.sessions
        names = self.practitioner_names
        for i in plan["new_sessions"]:
            sheet, row = self._where(s[i][8])
            stated = "; ".join(f"{label} {value}" for label, value in (
                ("Minutes", s[i][4]), ("Topic", s[i][5]), ("Facilitator", s[i][7])) if value not in (None, CLEARED))
            yield ("new", "session", self._subject(i), sheet, row, None, None, stated or None, False)
        filled = dict(self.module_fills)
        for i, sid, minutes, topic, key, old_practitioner, old_minutes, old_topic in plan["session_changes"]:
            sheet, row = self._where(s[i][8])
            subject = self._subject(i)
            if sid in filled:
                yield ("changed", "session", subject, sheet, row, "Module", None, str(filled[sid]), False)
            for label, before, after in (("Minutes", old_minutes, minutes), ("Topic", old_topic, topic)):
                if before != after:
                    yield ("changed", "session", subject, sheet, row, label, changes.shown(before),
                           changes.shown(after), after is None)
            if key is CLEARED and old_practitioner is not None:
                yield ("changed", "session", subject, sheet, row, "Facilitator", names.get(old_practitioner), None,
                       True)
            elif key and key is not CLEARED and self.facilitators.get(key) != old_practitioner:
                yield ("changed", "session", subject, sheet, row, "Facilitator", names.get(old_practitioner),
                       s[i][7], False)
        status = lookups.STATUS_NAMES
        for n in plan["new_rows"]:
            sheet, row = self._where(self.place[n])
            yield ("new", "attendance", self._attendance_subject(n), sheet, row, "Attended", None,
                   status[self.status[n]], False)
        for n, old in zip(self.changed_rows, self.changed_old):
            sheet, row = self._where(self.place[n])
            yield ("changed", "attendance", self._attendance_subject(n), sheet, row, "Attended", status[old],
                   status[self.status[n]], False)

    def _where(self, packed):
        place = self._unpack(packed)
        return self.sheets[place[0]].name, place[1]

    def _subject(self, index):
        """'Monday group 2026-03-02, module 3' (an individual session adds its participant's code)."""
        subject = self._subjects.get(index)
        if subject is None:
            team_id, pid, day, module = self.sessions[index][:4]
            shown_module = f"module {module}" if module is not None else "module not recorded"
            subject = f"{self.teams.names.get(team_id)} {day.isoformat()}, {shown_module}"
            if pid is not None:
                subject += f" ({self._code(pid)})"
            self._subjects[index] = subject
        return subject

    def _attendance_subject(self, n):
        return f"{self._code(self.pid[n])} at {self._subject(self.sidx[n])}"

    @cached_property
    def _subjects(self):
        return {}
