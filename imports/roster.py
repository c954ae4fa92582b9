"""Roster rows: participants identified by agency and client code; new codes added, known ones updated."""
from imports import lookups, writer
from imports.cells import CellError
from models import Participant

FIELDS = ("team_id", "referral_date", "start_date", "end_date", "end_reason", "format")


class RosterImport:
    def __init__(self, conn, agency_id, grid=False):
        self.agency_id = agency_id
        self.teams = lookups.TeamIndex(conn, agency_id)
        self.people = lookups.participants(conn, agency_id)
        self.rows = []  # (code, values by FIELDS, sheet, record)
        self.plan = None
        self.touched = set()

    def take(self, sheet, record, values, bad, report):
        if bad:
            return
        code, team_name, program, referral, start, end, reason, fmt = values
        team = self.teams.team(team_name, program)

        def error(key, value, rule, message):
            row, column = sheet.where(record, key)
            report.error(rule, message, sheet.name, row, column, value, record)

        if team.__class__ is CellError:
            return error("team", team_name, team.rule, team.message)
        if referral and referral > start:
            return error("referral_date", referral, "dates.order",
                         f"The referral date {referral.isoformat()} is after the start date {start.isoformat()}.")
        if end and end < start:
            return error("end_date", end, "dates.order",
                         f"The end date {end.isoformat()} is before the start date {start.isoformat()}.")
        if reason and not end:
            return error("end_reason", reason, "end_reason.without_end",
                         "An end reason needs an end date; add the date or clear the reason.")
        self.rows.append((code, (team[0], referral, start, end, reason, fmt or team[1]), sheet, record))

    def finish(self, conn, report):
        seen = {}
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        new, changed = [], []
        for code, values, sheet, record in self.rows:
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
            elif old[1:] == values:
                counts["unchanged"] += 1
            else:
                counts["changed"] += 1
                changed.append((old[0], *values))
                self.touched |= {old[1], values[0]}  # a move touches the team left and the team joined
        self.touched |= {row[2] for row in new}
        self.plan = (new, changed)
        return counts

    def write(self, conn, progress=None):
        """Write the plan; returns the teams whose participants changed (their engagement numbers move too)."""
        new, changed = self.plan
        writer.insert_rows(conn, Participant.__table__, ("agency_id", "client_code", *FIELDS), new, progress)
        writer.update_rows(conn, Participant.__table__, FIELDS, changed)
        return self.touched
