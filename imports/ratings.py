"""Historical fidelity ratings: one past visit per row, recorded as a final assessment through fidelity.history.

Only fidelity.history's documented functions are used (scale_items, current_version,
record_historical_assessment), so the scale files behind them can change freely.
"""
from datetime import date

from extensions import db
from fidelity import history
from imports import lookups
from imports.cells import NA, CellError
from imports.declarations import FIDELITY_HISTORY, MAX_ITEMS
from models import Program, Team

SCALE_NAMES = {"imr_fidelity": "IMR Fidelity Scale", "it_is": "IT-IS"}
ITEM_AT = {c.key: i for i, c in enumerate(FIDELITY_HISTORY.columns)}


class HistoryImport:
    def __init__(self, conn, agency_id, grid=False, today=None):
        self.agency_id = agency_id
        self.today = today or date.today()
        self.teams = lookups.TeamIndex(conn, agency_id)
        self.visits = []  # (key, dict of what to record, sheet, record)
        self.plan = None

    def take(self, sheet, record, values, bad, report):
        if bad:
            return
        get = dict(zip((c.key for c in FIDELITY_HISTORY.columns), values)).get

        def error(key, value, rule, message):
            row, column = sheet.where(record, key)
            report.error(rule, message, sheet.name, row, column, value, record)

        program = self.teams.program(get("program"))
        if program.__class__ is CellError:
            return error("program", get("program"), program.rule, program.message)
        team = None
        if get("team"):
            team = self.teams.team(get("team"), get("program"))
            if team.__class__ is CellError:
                return error("team", get("team"), team.rule, team.message)
        scale, fmt, visit = get("scale"), get("format"), get("visit_date")
        if visit > self.today:
            return error("visit_date", visit, "date.future", f"The visit date {visit.isoformat()} is in the future.")
        version = get("scale_version") or history.current_version(scale)
        try:
            items = history.scale_items(scale, version)
        except KeyError:
            return error("scale_version", version, "scale.version",
                         f"The {SCALE_NAMES.get(scale, scale)} has no version '{version}'.")
        ratings, failed = {}, False
        numbers = {item["number"] for item in items}
        for item in items:
            key, given = f"item_{item['number']}", get(f"item_{item['number']}")
            applies = fmt in item["formats"]
            if not applies:
                if given not in (None, NA):
                    error(key, given, "item.not_applicable", f"Item {item['number']} of the "
                          f"{SCALE_NAMES.get(scale, scale)} does not apply to {fmt} IMR; leave it blank.")
                    failed = True
                continue
            if item["allows_na"] and given in (None, NA):
                ratings[item["number"]] = None  # blank reads as not applicable where the scale allows it
                continue
            if given is None or given == NA:
                error(key, given, "item.required" if given is None else "item.na_refused",
                      f"Item {item['number']} ({item['name']}) needs a rating from 1 to 5" +
                      ("" if given is None else "; this item cannot be rated not applicable") + ".")
                failed = True
                continue
            ratings[item["number"]] = None if given == NA else given
        for n in range(1, MAX_ITEMS + 1):
            if n not in numbers and get(f"item_{n}") is not None:
                error(f"item_{n}", get(f"item_{n}"), "item.unknown",
                      f"The {SCALE_NAMES.get(scale, scale)} has {len(items)} items; leave item {n} blank.")
                failed = True
        if failed:
            return
        key = (program[0], team[0] if team else 0, scale, fmt, visit)
        self.visits.append((key, dict(program_id=program[0], team_id=team[0] if team else None, scale_key=scale,
                                      scale_version=version, format=fmt, visit_date=visit, ratings=ratings,
                                      note=get("note")), sheet, record))

    def finish(self, conn, report):
        recorded = lookups.assessments(conn, {v[0][0] for v in self.visits})
        seen, new = {}, []
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        for key, visit, sheet, record in self.visits:
            if key in seen:
                row, column = sheet.where(record, "visit_date")
                report.error("key.duplicate", f"This visit appears twice in the file (also row {seen[key]}).",
                             sheet.name, row, column, visit["visit_date"], record)
                continue
            seen[key] = record[1]
            if key in recorded:
                counts["unchanged"] += 1  # final assessments are amended on their own page, not re-imported
            else:
                counts["new"] += 1
                new.append(visit)
        self.plan = new
        return counts

    def write(self, conn, progress=None):
        for n, visit in enumerate(self.plan, start=1):
            program = db.session.get(Program, visit.pop("program_id"))
            team_id = visit.pop("team_id")
            history.record_historical_assessment(db.session, program=program,
                                                 team=db.session.get(Team, team_id) if team_id else None, **visit)
            if progress:
                progress(n)
        return set()
