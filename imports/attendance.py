"""Sessions and attendance (the sessions kind and the attendance grid): check every record, plan, write.

Records are kept packed in arrays (participant, session index, status, place) so that 500,000 of them take
a few megabytes; sessions are few and kept as lists.
"""
from array import array
from functools import cached_property
from itertools import compress, islice, repeat
from operator import and_, eq, lshift, lt, ne, not_, or_, rshift

from imports import changes, lookups, timings, writer
from imports.cells import CLEARED, CellError, normalise
from imports.declarations import fields_getter
from imports.lookups import STATUS_CODES
from imports.roster import merged
from models import Attendance, Practitioner, Session, bulk_load

GROUP = "group"
NOT_RECORDED = -4  # what a record not recorded yet finds: its status bits (-4 & 3 == 0) match no status code
ORDER = ("team", "program", "session_date", "module", "client_code", "attended", "minutes", "topic", "facilitator")


class AttendanceImport:
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
        self._error(report, sheet, record, "client_code", code, "client.unknown",
                    f"No participant with client code '{code}' in this agency. Add them with a roster "
                    "import first, or check the code.")

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

    def _new_attendance(self, session_ids, names):
        """(session ids, participant ids, statuses) of the new records, as iterators mapped in C: a first upload
        of 500k rows writes every record, which a Python loop over the record numbers took 0.3-0.5 s to pick."""
        picked = self.plan["new_rows"]
        if len(picked) == len(self.pid):  # every record, in order (new_rows is ascending, without repeats)
            sidx, pid, status = self.sidx, self.pid, self.status
        else:
            sidx, pid, status = (map(column.__getitem__, picked) for column in (self.sidx, self.pid, self.status))
        return map(session_ids.__getitem__, sidx), pid, map(names.__getitem__, status)

    def _unpack(self, packed):
        """A record's place from the int `take` packed it into: sheet << 36 | row << 14 | grid column."""
        sheet, row, col = packed >> 36, (packed >> 14) & ((1 << 22) - 1), packed & ((1 << 14) - 1)
        return (sheet, row, col) if self.grid else (sheet, row)

    def _error(self, report, sheet, record, key, value, rule, message):
        row, column = sheet.where(record, key)
        report.error(rule, message, sheet.name, row, column, value, record)

    # --- comparing with the database ---------------------------------------------------------------
    def finish(self, conn, report):
        """Find duplicates in the file and sort every record into new, changed or unchanged."""
        team_ids = {s[0] for s in self.sessions}
        existing = lookups.sessions(conn, team_ids, self.first, self.last) if team_ids else {}
        session_ids, new_sessions, session_changes = self._match_sessions(existing)
        present = lookups.attendance(conn, team_ids, self.first, self.last) if existing else {}
        counts, new_rows, changed, changed_teams = self._match_attendance(session_ids, present, report)
        del present
        touched = {self.sessions[i][0] for i in new_sessions + [c[0] for c in session_changes]}
        written = set(self.sidx) if len(new_rows) == len(self.sidx) else {self.sidx[n] for n in new_rows}
        touched |= {self.sessions[index][0] for index in written}
        touched |= changed_teams
        self.practitioner_names = lookups.practitioner_names(conn, self.agency_id) if session_changes else {}
        new_facilitators = self._new_facilitators(sorted(new_sessions + [c[0] for c in session_changes]))
        self.plan = dict(session_ids=session_ids, new_sessions=new_sessions, session_changes=session_changes,
                         new_rows=new_rows, changed=changed,
                         new_facilitators=new_facilitators, touched=touched)
        unchanged_sessions = len(self.sessions) - len(new_sessions) - len(session_changes)
        counts["detail"] = {"sessions": {"new": len(new_sessions), "changed": len(session_changes),
                                         "unchanged": unchanged_sessions},
                            "new facilitators": len(new_facilitators)}
        return counts

    def _match_sessions(self, existing):
        """(session id or None per session, indexes of new sessions, updates of recorded ones)."""
        session_ids, new_sessions, changes = [], [], []
        self.module_fills = []  # (session id, module) of sessions recorded without a module that the file names
        for index, session in enumerate(self.sessions):
            team_id, pid, day, module, minutes, topic, fac_key = session[:7]
            found = existing.get((team_id, pid or 0, day, module))
            fills = found is None and module is not None and (found := existing.get((team_id, pid or 0, day, 0)))
            if fills:
                self.module_fills.append((found[0], module))
            if found is None:
                session_ids.append(None)
                new_sessions.append(index)
                for slot in (4, 5, 6):  # nothing recorded to clear
                    if session[slot] is CLEARED:
                        session[slot] = None
                continue
            sid, old_minutes, old_topic, old_practitioner = found
            session_ids.append(sid)
            # A blank means "not stated" and keeps what is recorded; CLEARED empties it. A new facilitator's
            # id is known only once written, so the practitioner is resolved from the name at write time.
            wanted = (merged(minutes, old_minutes), merged(topic, old_topic))
            if fac_key is CLEARED:
                same_facilitator = old_practitioner is None
            else:
                same_facilitator = not fac_key or self.facilitators.get(fac_key) == old_practitioner
            if wanted != (old_minutes, old_topic) or not same_facilitator or fills:
                changes.append((index, sid, *wanted, fac_key, old_practitioner, old_minutes, old_topic))
        return session_ids, new_sessions, changes

    def _match_attendance(self, session_ids, present, report):
        """Counts, the records to insert, (attendance ids, status codes) to update and their teams; duplicates
        reported. Ids and codes are packed in arrays: a corrected file may change all of 500k records."""
        # the record and the recorded status of each change, for the preview's lines
        self.changed_rows, self.changed_old = array("q"), array("b")
        if not self._no_duplicates():
            return self._match_one_by_one(session_ids, present, report)
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        if not present:  # all new (a first upload): nothing to compare
            counts["new"] = len(self.pid)
            return counts, array("q", range(len(self.pid))), (array("q"), array("b")), set()
        # Every record once: compared with what is recorded by maps in C (a re-upload of 500k unchanged rows
        # took 1 s record by record). A session not recorded yet has no id: -1 packs into a negative key, which
        # no recorded row has; a record not recorded finds NOT_RECORDED, whose status bits (0) match no status.
        sids = [-1 if sid is None else sid for sid in session_ids]
        keys = map(or_, map(lshift, map(sids.__getitem__, self.sidx), repeat(32)), self.pid)
        olds = list(map(present.get, keys, repeat(NOT_RECORDED)))
        if all(map(eq, map(and_, olds, repeat(3)), self.status)):  # nothing new, nothing changed: a re-upload
            counts["unchanged"] = len(olds)
            return counts, array("q"), (array("q"), array("b")), set()
        new_rows = array("q", compress(range(len(olds)), map(eq, olds, repeat(NOT_RECORDED))))
        known = list(compress(range(len(olds)), map(ne, olds, repeat(NOT_RECORDED))))
        recorded = list(map(and_, map(olds.__getitem__, known), repeat(3)))
        same = list(map(eq, recorded, map(self.status.__getitem__, known)))
        changed = list(compress(known, map(not_, same)))
        self.changed_rows = array("q", changed)
        self.changed_old = array("b", compress(recorded, map(not_, same)))
        changed_ids = array("q", map(rshift, map(olds.__getitem__, changed), repeat(2)))
        changed_codes = array("b", map(self.status.__getitem__, changed))
        changed_teams = {self.sessions[self.sidx[n]][0] for n in changed}
        counts.update(new=len(new_rows), changed=len(changed), unchanged=len(known) - len(changed))
        return counts, new_rows, (changed_ids, changed_codes), changed_teams

    def _match_one_by_one(self, session_ids, present, report):
        """_match_attendance for a file with duplicates: record by record, reporting each repeat where it is."""
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        seen = {}  # (session index, participant) packed -> first record number
        new_rows, changed_ids, changed_codes, changed_teams = array("q"), array("q"), array("b"), set()
        for n in range(len(self.pid)):
            pid, index = self.pid[n], self.sidx[n]
            key = (index << 32) | pid
            if key in seen:
                first, record = self._unpack(self.place[seen[key]]), self._unpack(self.place[n])
                sheet = self.sheets[record[0]]
                report.error("key.duplicate", f"Participant '{self._code(pid)}' appears twice for the same session "
                                              f"(also sheet '{self.sheets[first[0]].name}', row {first[1]}).",
                             sheet.name, *sheet.where(record, "client_code"), self._code(pid), record)
                continue
            seen[key] = n
            sid = session_ids[index]
            old = present.get((sid << 32) | pid) if sid is not None else None
            if old is None:
                counts["new"] += 1
                new_rows.append(n)
            elif old & 3 == self.status[n]:
                counts["unchanged"] += 1
            else:
                counts["changed"] += 1
                changed_ids.append(old >> 2)
                changed_codes.append(self.status[n])
                self.changed_rows.append(n)
                self.changed_old.append(old & 3)
                changed_teams.add(self.sessions[index][0])
        return counts, new_rows, (changed_ids, changed_codes), changed_teams

    def _no_duplicates(self):
        """True when no participant appears twice for one session (checked in C, not record by record).

        Records in ascending (session, participant) order, as a session log's rows usually come, are proved
        free of repeats by one comparison each; only others are counted in a set.
        """
        keys = list(map(or_, map(lshift, self.sidx, repeat(32)), self.pid))
        return all(map(lt, keys, islice(keys, 1, None))) or len(set(keys)) == len(keys)

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

    def _new_facilitators(self, indexes):
        """[(normalised name, name as first written)] of facilitators the agency does not have yet."""
        found = {}
        for i in indexes:
            key, name = self.sessions[i][6], self.sessions[i][7]
            if key and key is not CLEARED and key not in self.facilitators:
                found.setdefault(key, name)
        return sorted(found.items())

    @cached_property
    def _codes(self):
        return {person[0]: code for code, person in self.people.items()}

    def _code(self, pid):
        return self._codes.get(pid, "?")

    # --- writing -----------------------------------------------------------------------------------
    def write(self, conn, progress=None):
        """Write the plan inside the caller's transaction; returns the ids of the teams touched."""
        with bulk_load.larger_cache(conn, len(self.plan["new_rows"]) >= bulk_load.BULK_ROWS):
            self._write(conn, progress)
        return self.plan["touched"]

    def _write(self, conn, progress):
        plan, s = self.plan, self.sessions
        if plan["new_facilitators"]:
            ids = writer.insert_returning_ids(conn, Practitioner.__table__,
                                              [dict(agency_id=self.agency_id, name=name)
                                               for _, name in plan["new_facilitators"]])
            self.facilitators.update({key: pid for (key, _), pid in zip(plan["new_facilitators"], ids)})
        facilitator = self.facilitators.get
        new_ids = writer.insert_returning_ids(conn, Session.__table__, [
            dict(team_id=s[i][0], participant_id=s[i][1], session_date=s[i][2], module=s[i][3], minutes=s[i][4],
                 topic=s[i][5], practitioner_id=facilitator(s[i][6]) if s[i][6] else None)
            for i in plan["new_sessions"]])
        timings.lap("write facilitators, sessions")
        session_ids = plan["session_ids"]
        for index, sid in zip(plan["new_sessions"], new_ids):
            session_ids[index] = sid
        writer.update_rows(conn, Session.__table__, ("minutes", "topic", "practitioner_id"), [
            (sid, minutes, topic, None if key is CLEARED else facilitator(key) if key else old_practitioner)
            for _, sid, minutes, topic, key, old_practitioner, *_ in plan["session_changes"]])
        writer.update_rows(conn, Session.__table__, ("module",), self.module_fills)
        names = lookups.STATUS_NAMES
        rows = zip(*self._new_attendance(session_ids, names))
        changed_ids, changed_codes = plan["changed"]
        # Only attendance's own rows are checked once: the sessions above keep their row-by-row checks. On
        # SQLite the status CHECK, tested row by row, was a quarter of the insert's CPU (500k rows: 0.2 s).
        new = len(plan["new_rows"])
        with bulk_load.checked_and_indexed_once(conn, Attendance.__table__, new):
            with bulk_load.sqlite_checks_once(conn, Attendance.__table__, new):
                writer.insert_rows(conn, Attendance.__table__, ("session_id", "participant_id", "status"), rows,
                                   progress, plain=True)
            writer.update_rows(conn, Attendance.__table__, ("status",),
                               ((aid, names[code]) for aid, code in zip(changed_ids, changed_codes)), plain=True)
