"""The attendance import's plan: its sessions and records compared with what is recorded.

AttendanceCompare is a part of imports.kinds.attendance.AttendanceImport: it reads what the check kept (the sessions
and the packed records) and sets the plan that the preview's lines and the write read.
"""
from array import array
from itertools import compress, islice, repeat
from operator import and_, eq, lshift, lt, ne, not_, or_, rshift

from imports.kinds import lookups
from imports.kinds.roster import merged
from imports.reading.cells import CLEARED

NOT_RECORDED = -4  # what a record not recorded yet finds: its status bits (-4 & 3 == 0) match no status code


class AttendanceCompare:
    """Sorts the checked sessions and records into new, changed and unchanged (a part of AttendanceImport)."""

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

    def _new_facilitators(self, indexes):
        """[(normalised name, name as first written)] of facilitators the agency does not have yet."""
        found = {}
        for i in indexes:
            key, name = self.sessions[i][6], self.sessions[i][7]
            if key and key is not CLEARED and key not in self.facilitators:
                found.setdefault(key, name)
        return sorted(found.items())