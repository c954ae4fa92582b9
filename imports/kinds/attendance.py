"""Sessions and attendance (the sessions kind and the attendance grid): check every record and keep it packed.

Records are kept packed in arrays (participant, session index, status, place) so that 500,000 of them take
a few megabytes; sessions are few and kept as lists. The handler's other parts are in their own modules:
imports/kinds/attendance_compare.py (the plan: what is new, changed or unchanged), imports/kinds/attendance_preview.py
(the preview's lines) and imports/kinds/attendance_write.py (writing the plan).
"""
from array import array
from functools import cached_property

from imports.kinds import lookups
from imports.kinds.attendance_compare import AttendanceCompare
from imports.kinds.attendance_preview import AttendancePreview
from imports.kinds.attendance_write import AttendanceWrite
from imports.kinds.codes import unknown_code
from imports.kinds.declarations import fields_getter
from imports.kinds.lookups import STATUS_CODES
from imports.reading.cells import CLEARED, CellError, normalise

GROUP = "group"
ORDER = ("team", "program", "session_date", "module", "client_code", "attended", "minutes", "topic", "facilitator")


class AttendanceImport(AttendanceCompare, AttendancePreview, AttendanceWrite):
    """Checks records shaped like the sessions kind's columns and writes the sessions and attendance they imply."""

    def __init__(self, conn, agency_id, fields, grid=False):
        self.agency_id = agency_id
        self.pick = fields_getter(fields, *ORDER)
        self.in_order = tuple(fields) == ORDER
        self.grid = grid  # grid records name a cell (sheet, row, column); row records a row (sheet, row)
        self.teams = lookups.TeamIndex(conn, agency_id)
        self.people = lookups.participants(conn, agency_id)
        self.facilitators = lookups.practitioners(conn, agency_id)
        self.sheets = {}  # sheet index -> sheet context, to name places of problems found later
        self.session_index = {}  # natural key -> index into self.sessions
        # [team id, participant id or None, date, module, minutes, topic, facilitator (normalised, as written),
        #  place of its first record, what its first record stated]
        self.sessions = []
        self.pid, self.sidx, self.status, self.place = array("q"), array("q"), array("b"), array("q")
        self.first = self.last = None
        self.plan = None
        # the records written while the file is still read, on a commit (imports/kinds/attendance_early.py)
        self.early = None
        # The previous record's group session, as (sheet, team, program, date, module, minutes, topic,
        # facilitator) and (team, session index): a session's rows come one after another (40 a session in
        # the bench file), and for those only the participant is left to check.
        self._same, self._session = None, None

    # --- checking, record by record ----------------------------------------------------------------
    def take_all(self, records, report):
        """take() each record; the next records of a group session are checked here, in the loop.

        Half a million records come through here, nearly all of them the next participant of the session the
        record before named (40 a session in the bench file): for those only the participant is left to check,
        and a method call per record was a third of that. A record already in the handler's order is unpacked
        as it is (the common case), any other order through the getter built from the column keys.
        """
        people, in_order, pick, grid = self.people, self.in_order, self.pick, self.grid
        add_pid, add_sidx, add_status, add_place = self.pid.append, self.sidx.append, self.status.append, \
            self.place.append
        for sheet, record, values, bad in records:
            team_name, program, day, module, code, status, minutes, topic, facilitator = \
                values if in_order else pick(values)
            if self._same == (sheet, team_name, program, day, module, minutes, topic, facilitator) and not bad \
                    and (person := people.get(code)) is not None:
                team_id, index = self._session  # indexing, not unpacking `person`: this runs for nearly all
                if person[1] == team_id and person[3] <= day and (person[4] is None or day <= person[4]):
                    add_pid(person[0])
                    add_sidx(index)
                    add_status(STATUS_CODES[status])
                    add_place((record[0] << 36) | (record[1] << 14) | (record[2] if grid else 0))
                    continue
            self.take(sheet, record, values, bad, report)

    def take(self, sheet, record, values, bad, report):
        """Check one record and keep it (as packed numbers) if nothing is wrong; report what is."""
        team_name, program, day, module, code, status, minutes, topic, facilitator = \
            values if self.in_order else self.pick(values)
        same = (sheet, team_name, program, day, module, minutes, topic, facilitator)
        self._same = None
        self.sheets[sheet.index] = sheet
        if bad:  # a row with a bad cell is still checked for every other problem, then left out
            self._check_rest(sheet, record, report, team_name, program, day, code)
            return
        team = self.teams.team(team_name, program)
        person = self.people.get(code)
        failed = False
        if team.__class__ is CellError:
            self._error(report, sheet, record, "team", team_name, team.rule, team.message)
            failed = True
        if person is None:
            self._unknown(report, sheet, record, code)
            return
        pid, person_team, _, start, end = person[:5]
        if failed:
            self._outside(report, sheet, record, code, day, start, end)
            return
        if person_team != team[0]:
            self._error(report, sheet, record, "client_code", code, "client.team",
                        f"Participant '{code}' is not in team '{team[4]}'. Move them with a roster import, or "
                        "check the team.")
            self._outside(report, sheet, record, code, day, start, end)
            return
        if day < start or (end is not None and day > end):
            self._outside(report, sheet, record, code, day, start, end)
            return
        team_id, team_format = team[0], team[1]
        key = (team_id, 0, day, module) if team_format == GROUP else (team_id, pid, day, module)
        index = self.session_index.get(key)
        place = (record[0] << 36) | (record[1] << 14) | (record[2] if self.grid else 0)  # see _unpack
        stated = [minutes, topic, facilitator]  # as written
        if index is None:
            index = self.session_index[key] = len(self.sessions)
            facilitator_key = normalise(facilitator) if facilitator and facilitator is not CLEARED else facilitator
            self.sessions.append([team_id, None if team_format == GROUP else pid, day, module, minutes, topic,
                                  facilitator_key, facilitator, place, stated])
            if self.first is None or day < self.first:
                self.first = day
            if self.last is None or day > self.last:
                self.last = day
        elif stated != self.sessions[index][9] and stated != [None, None, None] and \
                not self._agrees(index, stated, sheet, record, report):
            return
        if team_format == GROUP:  # the next rows of this session take the short way above
            self._same, self._session = same, (team_id, index)
        self.pid.append(pid)
        self.sidx.append(index)
        self.status.append(STATUS_CODES[status])
        self.place.append(place)

    def _check_rest(self, sheet, record, report, team_name, program, day, code):
        """Report the problems of a row's readable cells (its unreadable ones are reported already)."""
        team = person = None
        if team_name is not None:
            team = self.teams.team(team_name, program)
            if team.__class__ is CellError:
                self._error(report, sheet, record, "team", team_name, team.rule, team.message)
                team = None
        if code is not None:
            person = self.people.get(code)
            if person is None:
                self._unknown(report, sheet, record, code)
        if person is not None:
            if team is not None and person[1] != team[0]:
                self._error(report, sheet, record, "client_code", code, "client.team",
                            f"Participant '{code}' is not in team '{team[4]}'. Move them with a roster import, or "
                            "check the team.")
            if day is not None:
                self._outside(report, sheet, record, code, day, person[3], person[4])

    def _unknown(self, report, sheet, record, code):
        self._error(report, sheet, record, "client_code", code, "client.unknown", unknown_code(code))

    def _outside(self, report, sheet, record, code, day, start, end):
        """Report a session date outside the participant's enrolment (nothing when inside)."""
        if day < start or (end is not None and day > end):
            when = f"before '{code}' started on {start.isoformat()}" if day < start else \
                f"after '{code}' ended on {end.isoformat()}"
            self._error(report, sheet, record, "session_date", day, "enrolment.outside",
                        f"The session on {day.isoformat()} is {when}.")

    @property
    def dates(self):
        """(first, last) session dates in the file: the months whose engagement numbers this import can change."""
        return (self.first, self.last) if self.first else None

    def _agrees(self, index, stated, sheet, record, report):
        """Rows of one session must agree on its minutes, topic and facilitator; blanks agree with anything."""
        session = self.sessions[index]
        for slot, key, value in zip((4, 5, 6), ("minutes", "topic", "facilitator"), stated):
            if value is None:
                continue
            given = normalise(value) if key == "facilitator" and value is not CLEARED else value
            if session[slot] is None:
                session[slot] = given
                if key == "facilitator":
                    session[7] = value
            elif session[slot] != given:
                first_sheet, first_row = self._unpack(session[8])[:2]
                self._error(report, sheet, record, key, value, "session.conflict",
                            f"Another row of this session (sheet '{self.sheets[first_sheet].name}', row {first_row}) "
                            f"gives a different {key.replace('_', ' ')}.")
                return False
        return True

    # --- a record's place and a participant's code, for the problems and the preview's lines ----------
    def _unpack(self, packed):
        """A record's place from the int `take` packed it into: sheet << 36 | row << 14 | grid column."""
        sheet, row, col = packed >> 36, (packed >> 14) & ((1 << 22) - 1), packed & ((1 << 14) - 1)
        return (sheet, row, col) if self.grid else (sheet, row)

    def _error(self, report, sheet, record, key, value, rule, message):
        row, column = sheet.where(record, key)
        report.error(rule, message, sheet.name, row, column, value, record)

    @cached_property
    def _codes(self):
        return {person[0]: code for code, person in self.people.items()}

    def _code(self, pid):
        return self._codes.get(pid, "?")
