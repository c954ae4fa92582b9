"""Roster rows: participants identified by agency and client code; new codes added, known ones updated.

A blank cell or a column missing from the file keeps what is recorded; CLEAR_WORD empties an optional
field. The rules between dates are checked on the participant as the import would leave them.
"""
from imports.kinds import changes, lookups, writer
from imports.kinds.declarations import ROSTER, fields_getter
from imports.reading.cells import CLEARED, CellError
from imports.reading.problems import RecordErrors
from models import Participant

FIELDS = ("team_id", "referral_date", "start_date", "end_date", "end_reason", "format")
KEYS = ("team", "referral_date", "start_date", "end_date", "end_reason", "format")  # the columns behind FIELDS
# A participant back after an end date: the enrolment spans their return, so attendance before it stays inside.
_RETURNING = ("If they came back, keep the first Start date ({}) and write clear in End date (and End reason): the "
              "enrolment then spans their return.")


def merged(stated, stored):
    """What a field becomes: the file's value, the stored one when the file is silent, None when cleared."""
    if stated is None:
        return stored
    return None if stated is CLEARED else stated


class RosterImport:
    def __init__(self, conn, agency_id, fields, grid=False):
        self.agency_id = agency_id
        self.pick = fields_getter(fields, "client_code", "team", "program", *KEYS[1:])
        self.teams = lookups.TeamIndex(conn, agency_id)
        self.people = lookups.participants(conn, agency_id)
        self.rows = []  # (code, values by FIELDS, stated values by FIELDS, sheet, record)
        self.plan = None
        self.lines = []
        self.touched = set()

    def take(self, sheet, record, values, bad, report):
        code, team_name, program, *stated = self.pick(values)  # stated: referral, start, end, reason, format
        said = {key: value is not None for key, value in zip(KEYS[1:], stated)}
        error = RecordErrors(report, sheet, record, bad)

        team = None
        if team_name is not None:
            team = self.teams.team(team_name, program)
            if team.__class__ is CellError:
                error("team", team_name, team.rule, team.message)
                team = None
        old = self.people.get(code) if code is not None else None
        stored = old[2:] if old else (None,) * 5  # referral, start, end, reason, format
        referral, start, end, reason, fmt = (merged(v, s) for v, s in zip(stated, stored))

        def kept(key):
            return "" if said[key] else " (as recorded)"
        if referral and start and referral > start:
            error("referral_date" if said["referral_date"] else "start_date", referral, "dates.order",
                  f"The referral date {referral.isoformat()}{kept('referral_date')} is after the start date "
                  f"{start.isoformat()}{kept('start_date')}.")
        if end and start and end < start:
            back = (f" {_RETURNING.format(stored[1].isoformat())}"
                    if not said["end_date"] and said["start_date"] else "")
            error("end_date" if said["end_date"] else "start_date", end, "dates.order",
                  f"The end date {end.isoformat()}{kept('end_date')} is before the start date "
                  f"{start.isoformat()}{kept('start_date')}.{back}")
        if reason and not end:
            if stored[2] is not None:  # the file clears an end date that has a reason recorded
                error("end_date", "clear", "end_reason.without_end",
                      f"Clearing the end date would leave the end reason '{reason}' without a date: clear the End "
                      "reason too (or keep the end date).")
            else:
                error("end_reason", reason, "end_reason.without_end",
                      "An end reason needs an end date; add the date or clear the reason.")
        if error.failed:
            return
        fmt = fmt or team[1]  # a new participant without a format takes the team's
        self.rows.append((code, (team[0], referral, start, end, reason, fmt), stated, sheet, record))

    def finish(self, conn, report):
        spans = self._attendance_outside(conn)
        seen = {}
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        new, changed, lines = [], [], []
        for code, values, stated, sheet, record in self.rows:
            if code in seen:
                row, column = sheet.where(record, "client_code")
                first_sheet, first_record = seen[code]
                report.error("key.duplicate", f"Client code '{code}' appears twice in the file (also sheet "
                                              f"'{first_sheet.name}', row {first_record[1]}).",
                             sheet.name, row, column, code, record)
                continue
            seen[code] = (sheet, record)
            old = self.people.get(code)
            if old is None:
                counts["new"] += 1
                new.append((self.agency_id, code, *values))
                lines.append(("new", "participant", code, sheet.name, record[1], None, None,
                              self._described(values), False))
            elif old[1:] == values:
                counts["unchanged"] += 1
            elif old[0] in spans and self._refused_by_attendance(code, values, stated, spans[old[0]], sheet, record,
                                                                 report):
                continue
            else:
                counts["changed"] += 1
                changed.append((old[0], *values))
                self.touched |= {old[1], values[0]}  # a move touches the team left and the team joined
                for field, key, before, after, said in zip(FIELDS, KEYS, old[1:], values, (None, *stated)):
                    if before != after:
                        lines.append(("changed", "participant", code, sheet.name, record[1], ROSTER.column(key).label,
                                      self._shown(field, before), self._shown(field, after), said is CLEARED))
        self.touched |= {row[2] for row in new}
        self.plan = (new, changed)
        self.lines = lines
        return counts

    def _attendance_outside(self, conn):
        """{participant id: (first, last) recorded session} of known participants whose enrolment the file narrows."""
        narrowed = []
        for code, values, _, _, _ in self.rows:
            old = self.people.get(code)
            if old is not None and (values[2] > old[3] or (values[3] is not None and (old[4] is None
                                                                                     or values[3] < old[4]))):
                narrowed.append(old[0])
        return lookups.attendance_spans(conn, narrowed) if narrowed else {}

    def _refused_by_attendance(self, code, values, stated, span, sheet, record, report):
        """Whether the file's start or end date would leave recorded attendance outside the enrolment (an
        attendance import refuses such a session): the error names the session."""
        start, end = values[2], values[3]
        first, last = span
        if start > first:
            key, said = "start_date", f"start date {start.isoformat()} is after"
            shown, session = stated[1] or start, first
            fix = f". {_RETURNING.format(self.people[code][3].isoformat())} Otherwise check the date"
        elif end is not None and end < last:
            key, said = "end_date", f"end date {end.isoformat()} is before"
            shown, session, fix = stated[2] or end, last, ": check the date"
        else:
            return False
        report.error("enrolment.attendance", f"The {said} the session of {session.isoformat()} recorded for "
                                             f"'{code}'{fix}, or correct that session's attendance first.",
                     sheet.name, *sheet.where(record, key), shown, record)
        return True

    def changes(self):
        """The preview's lines: (action, record, subject, sheet, row, field, old, new, cleared)."""
        return iter(self.lines)

    def _shown(self, field, value):
        return self.teams.names.get(value) if field == "team_id" else changes.shown(value)

    def _described(self, values):
        return "; ".join(f"{ROSTER.column(key).label} {self._shown(field, value)}"
                         for field, key, value in zip(FIELDS, KEYS, values) if value is not None)

    def write(self, conn, progress=None):
        """Write the plan; returns the teams whose participants changed (their engagement numbers move too)."""
        new, changed = self.plan
        writer.insert_rows(conn, Participant.__table__, ("agency_id", "client_code", *FIELDS), new, progress)
        writer.update_rows(conn, Participant.__table__, FIELDS, changed)
        return self.touched

