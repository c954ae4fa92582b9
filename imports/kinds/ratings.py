"""Historical fidelity ratings: one past visit per row, recorded as a final assessment through fidelity.visits.imported.

Only fidelity.visits.imported's documented functions are used (scale_items, rating_range, current_version,
scale_names, record_historical_assessment), so the scale files behind them can change freely. Any scale the service
knows is accepted, a state's own included.
"""
from extensions import db
from fidelity.visits import imported
from imports.kinds import lookups
from imports.kinds.declarations import MAX_ITEMS
from imports.reading.cells import NA, CellError
from imports.reading.problems import RecordErrors
import local_day
from models import Program, Team

ITEM_KEYS = tuple(f"item_{n}" for n in range(1, MAX_ITEMS + 1))


class HistoryImport:
    def __init__(self, conn, agency_id, fields, grid=False, today=None):
        self.agency_id = agency_id
        self.fields = tuple(fields)
        self.today = today or local_day.today()
        self.teams = lookups.TeamIndex(conn, agency_id)
        self.scales = imported.scale_names()  # {spelling people use: scale key}
        self.titles = imported.scale_titles()
        self.visits = []  # (key, dict of what to record, sheet, record)
        self.plan = None
        self.origin = None  # "FILE by USER on DATE", set by the import before it writes

    def take(self, sheet, record, values, bad, report):
        get = dict(zip(self.fields, values)).get  # a few hundred visits at most: a dict per row costs nothing
        error = RecordErrors(report, sheet, record, bad)

        program = team = None
        program_known = True
        if get("program") is not None:
            program = self.teams.program(get("program"))
            if program.__class__ is CellError:
                error("program", get("program"), program.rule, program.message)
                program, program_known = None, False
        if get("team") and program_known:
            team = self.teams.team(get("team"), get("program"))
            if team.__class__ is CellError:
                error("team", get("team"), team.rule, team.message)
                team = None
        scale, fmt, visit = get("scale"), get("format"), get("visit_date")
        if scale is not None:
            scale = self.scales.get(imported.spelling(scale))
            if scale is None:
                error("scale", get("scale"), "scale.unknown",
                      f"'{get('scale')}' is not a scale this service knows; use one of "
                      f"{', '.join(f'{key} ({title})' for key, title in self.titles.items())}.")
        if visit is not None and visit > self.today:
            error("visit_date", visit, "date.future", f"The visit date {visit.isoformat()} is in the future.")
        if scale is None or fmt is None:
            return
        name = self.titles[scale]
        version = get("scale_version") or imported.current_version(scale)
        try:
            items = imported.scale_items(scale, version)
            low, high = imported.rating_range(scale, version)
        except KeyError:
            return error("scale_version", version, "scale.version", f"The {name} has no version '{version}'.")
        ratings = {}
        numbers = {item["number"] for item in items}
        for item in items:
            key, given = f"item_{item['number']}", get(f"item_{item['number']}")
            if fmt not in item["formats"]:
                if given not in (None, NA):
                    error(key, given, "item.not_applicable", f"Item {item['number']} of the {name} does not apply "
                                                             f"to {fmt} IMR; leave it blank.")
                continue
            if item["allows_na"] and given in (None, NA):
                ratings[item["number"]] = None  # blank reads as not applicable where the scale allows it
                continue
            if given is None and bad and report.has_error_at(sheet.name, *sheet.where(record, key)):
                continue  # its cell could not be read: reported already, not missing
            if given is None or given == NA:
                error(key, given, "item.required" if given is None else "item.na_refused",
                      f"Item {item['number']} ({item['name']}) needs a rating from {low} to {high}" +
                      ("" if given is None else "; this item cannot be rated not applicable") + ".")
                continue
            if not low <= given <= high:
                error(key, given, "rating.invalid", f"Item {item['number']} ({item['name']}) is rated {low} to "
                                                    f"{high} on the {name}; {given} is outside that range.")
                continue
            ratings[item["number"]] = given
        for n, key in enumerate(ITEM_KEYS, start=1):
            if n not in numbers and get(key) is not None:
                error(key, get(key), "item.unknown", f"The {name} has {len(items)} items; leave item {n} blank.")
        if error.failed:
            return
        key = (program[0], team[0] if team else 0, scale, fmt, visit)
        self.visits.append((key, dict(program_id=program[0], team_id=team[0] if team else None, scale_key=scale,
                                      scale_version=version, format=fmt, visit_date=visit, ratings=ratings,
                                      note=get("note")), sheet, record))

    def finish(self, conn, report):
        recorded = lookups.assessments(conn, {v[0][0] for v in self.visits})
        seen, new, lines = {}, [], []
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
                unit = self.teams.names.get(visit["team_id"]) or self.teams.programs_by_id.get(visit["program_id"])
                lines.append(("new", "visit", f"{unit}: {self.titles[visit['scale_key']]}, {visit['format']}, "
                                              f"{visit['visit_date'].isoformat()}", sheet.name, record[1], None, None,
                              f"version {visit['scale_version']}", False))
        self.plan, self.lines = new, lines
        return counts

    def changes(self):
        """The preview's lines: one per new visit."""
        return iter(self.lines)

    def write(self, conn, progress=None):
        for n, visit in enumerate(self.plan, start=1):
            visit = dict(visit)
            program = db.session.get(Program, visit.pop("program_id"))
            team_id = visit.pop("team_id")
            imported.record_historical_assessment(db.session, program=program,
                                                 team=db.session.get(Team, team_id) if team_id else None,
                                                 imported_from=self.origin, **visit)
            if progress:
                progress(n)
        return set()
