"""The state view of one scale: each unit's latest score and change, and item statistics per scale version.

Built once and handed to the page, the API and the .xlsx alike; a unit is a program as a whole or one team.
"""
from dataclasses import dataclass, field
from datetime import date

from fidelity import queries
from fidelity.scales import catalog
from scoring.fidelity import shown_change, summary_change
from scoring.fidelity_items import item_statistics


@dataclass
class UnitLine:
    """One row of the state table: a unit, its latest final visit and the change since the one before."""

    row: object  # fidelity.queries.UnitRow
    shown: str | None
    previous_shown: str | None
    change: float | None  # unrounded
    change_shown: str | None  # the difference of the two figures shown


@dataclass
class ItemTable:
    """Item statistics over the latest final visit of each unit in the window, on one scale version."""

    scale: object
    units: list  # the assessments counted
    stats: list  # [scoring.fidelity_items.ItemStat]


@dataclass
class StateView:
    scale: object
    lines: list
    tables: list
    start: date | None = None
    end: date | None = None
    problems: list = field(default_factory=list)
    missing_versions: list = field(default_factory=list)  # versions counted in the window but not installed


def read_window(args):
    """(start, end, problems) from the page's or API's `start` and `end` (ISO dates, either may be blank)."""
    found, problems = {}, []
    for name in ("start", "end"):
        text = (args.get(name) or "").strip()
        if not text:
            found[name] = None
            continue
        try:
            found[name] = date.fromisoformat(text)
        except ValueError:
            found[name] = None
            problems.append(f"Window {name} {text!r} is not a date: write it as 2026-01-31.")
    if found["start"] and found["end"] and found["start"] > found["end"]:
        problems.append(f"The window starts ({found['start']}) after it ends ({found['end']}).")
        found = {"start": None, "end": None}
    return found["start"], found["end"], problems


def build_state(scale_key, start=None, end=None, problems=()):
    """Everything the state view shows for one scale."""
    scale = catalog.get_scale(scale_key)
    lines = []
    for row in queries.latest_by_unit(scale_key):
        if row.latest is None:
            lines.append(UnitLine(row, None, None, None, None))
            continue
        bands = _bands(row.latest) or scale.bands
        previous = row.previous.summary_score if row.previous else None
        shown, previous_shown, change_shown = shown_change(row.latest.summary_score, previous, bands)
        lines.append(UnitLine(row, shown, previous_shown if row.previous else None,
                              summary_change(row.latest.summary_score, previous), change_shown))
    view = StateView(scale=scale, lines=lines, tables=[], start=start, end=end, problems=list(problems))
    latest = queries.latest_per_unit(scale_key, start, end)
    consensus = queries.consensus_for([a.id for a in latest])
    for version in sorted({a.scale_version for a in latest}):
        units = [a for a in latest if a.scale_version == version]
        try:
            version_scale = catalog.get_scale(scale_key, version)
        except KeyError:
            view.missing_versions.append(version)
            continue
        stats = item_statistics(version_scale.items, [consensus[a.id] for a in units], version_scale.high_from)
        view.tables.append(ItemTable(version_scale, units, stats))
    view.tables.sort(key=lambda t: t.scale.released, reverse=True)
    return view


def _bands(assessment):
    try:
        return catalog.scale_of(assessment).bands
    except KeyError:
        return None


def state_json(view, unit_json, assessment_json):
    """The state view as plain JSON values: unrounded figures, scale keys beside names."""
    return {
        "scale_key": view.scale.key, "scale": view.scale.title,
        "window": {"start": view.start.isoformat() if view.start else None,
                   "end": view.end.isoformat() if view.end else None},
        "programs": [{**unit_json(line.row.program, line.row.team), "unit": line.row.unit_label,
                      "latest": assessment_json(line.row.latest) if line.row.latest else None,
                      "previous": assessment_json(line.row.previous) if line.row.previous else None,
                      "change_since_previous": line.change, "change_shown": line.change_shown}
                     for line in view.lines],
        "item_statistics": [{
            "scale_version": t.scale.version, "high_band": t.scale.high_band, "high_from": t.scale.high_from,
            "assessment_ids": [a.id for a in t.units],
            "items": [{"number": s.number, "name": s.name, "n": s.n, "mean": s.mean, "sd": s.sd, "min": s.min,
                       "max": s.max, "n_high": s.n_high, "pct_high": s.pct_high} for s in t.stats],
        } for t in view.tables],
        "versions_not_installed": view.missing_versions,
    }


def state_sheets(view):
    """[(title, header, rows, number formats)] for the .xlsx: scores and statistics as numbers."""
    units = [(line.row.program.agency.name, line.row.program.name, line.row.unit_label,
              line.row.latest.visit_date if line.row.latest else None,
              line.row.latest.scale_version if line.row.latest else None,
              line.row.latest.summary_score if line.row.latest else None,
              line.row.latest.band if line.row.latest else None,
              line.row.previous.visit_date if line.row.previous else None,
              line.row.previous.summary_score if line.row.previous else None, line.change)
             for line in view.lines]
    sheets = [("Units", ["Agency", "Program", "Unit", "Latest visit", "Scale version", "Score", "Band",
                         "Previous visit", "Previous score", "Change"], units,
               {5: "0.00", 8: "0.00", 9: "+0.00;-0.00;0.00"})]
    stats = [(t.scale.title, t.scale.version, s.number, s.name, s.n, s.mean, s.sd, s.min, s.max,
              None if s.pct_high is None else s.pct_high / 100) for t in view.tables for s in t.stats]
    high = view.tables[0].scale.band(view.tables[0].scale.high_band).label if view.tables else "high band"
    sheets.append(("Item statistics", ["Scale", "Version", "Item", "Name", "Units rated", "Mean", "SD (sample)",
                                       "Min", "Max", f"Share at or above {high}"], stats,
                   {4: "0", 5: "0.00", 6: "0.00", 7: "0", 8: "0", 9: "0.0%"}))
    return sheets
