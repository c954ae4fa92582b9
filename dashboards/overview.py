"""The state overview as plain data: every program ranked by % engaged, with its latest fidelity band,
and the agencies they belong to (the first steps of the drill-down)."""
from typing import NamedTuple

from sqlalchemy import select

from dashboards import overview_counts, queries, wording
from dashboards.freshness import programs_freshness_json
from dashboards.reports import rates_json
from extensions import db
from models import Agency
from scoring.engagement import rates


def overview_report(window, settings, agency_ids=None, agency=None, program_id=None, fmt=None, programs=None,
                    freshness_per_team=True):
    """Programs and agencies the viewer may see (agency_ids None: all), narrowed by the filters.

    programs: queries.programs_in of the agency filter (before the program filter), where the caller read them
    already (the page lists them in its filter). freshness_per_team=False: the "data as of" block without each
    team's row (the page shows its sentence).
    """
    if agency is not None:
        agency_ids = {agency.id}
    if programs is None:
        programs = queries.programs_in(agency_ids, program_id)
    programs = [p for p in programs if program_id is None or p.id == program_id]
    program_ids = queries.program_ids_in(agency_ids, program_id)
    # The numbers' statement first, run beside the visits and freshness; collected when the rows need them.
    counts = overview_counts.start(window, settings.threshold, fmt, agency_ids, program_id) if programs else dict
    latest = queries.latest_fidelity(program_ids, window.end)
    freshness = programs_freshness_json(program_ids, settings.stale_days, per_team=freshness_per_team)
    counts = counts()
    rows = []
    for program in programs:
        counted, engaged, any_participation, attended = counts.get(program.id, (0, 0, 0, 0))
        r = rates(counted, engaged, any_participation, settings.small_group_min)
        visit, score, band = latest.get(program.id, (None, None, None))
        rows.append({"id": program.id, "name": program.name, "agency_id": program.agency_id,
                     "agency_code": program.agency_code, "agency": program.agency_name, **rates_json(r),
                     "mean_attended": attended / counted if counted else None,
                     "engagement_target_pct": 100 * program.engagement_target,
                     "fidelity_visit": visit.isoformat() if visit else None,
                     "fidelity_score": score, "fidelity_band": band})
    # Highest % engaged first; programs without a percentage (small or empty) after them, largest first.
    rows.sort(key=lambda r: (r["pct_engaged"] is None, -(r["pct_engaged"] or 0), -r["counted"], r["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank if row["pct_engaged"] is not None else None
    return {
        "scope": {"agency": {"id": agency.id, "code": agency.code, "name": agency.name} if agency else None,
                  "program_id": program_id, "format": fmt, "from": window.start.isoformat(),
                  "to": window.end.isoformat(), "text": _scope_text(window, fmt, agency, program_id, programs)},
        "threshold": settings.threshold, "small_group_min": settings.small_group_min,
        "programs": rows,
        "fidelity_scale": queries.fidelity_facts(),
        "agencies": _agencies(rows, settings),
        "freshness": freshness,
        "empty": None if any(r["counted"] for r in rows) else _empty_reason(window, fmt, bool(programs)),
    }


def _scope_text(window, fmt, agency, program_id, programs):
    program = programs[0] if program_id and programs else None
    if agency is None and program is not None:
        agency = db.session.get(Agency, program.agency_id)
    return wording.scope_text(window, fmt, agency, program)


def _agencies(rows, settings):
    totals = {}
    for row in rows:
        t = totals.setdefault(row["agency_id"], {"id": row["agency_id"], "code": row["agency_code"],
                                                 "name": row["agency"], "programs": 0, "c": 0, "e": 0, "a": 0})
        t["programs"] += 1
        t["c"] += row["counted"]
        t["e"] += row["engaged"]
        t["a"] += row["any_participation"]
    return [{"id": t["id"], "code": t["code"], "name": t["name"], "programs": t["programs"],
             **rates_json(rates(t["c"], t["e"], t["a"], settings.small_group_min))}
            for t in sorted(totals.values(), key=lambda t: t["name"])]


def _empty_reason(window, fmt, has_programs):
    if not has_programs:
        return "No programs match these filters, so there is nothing to measure."
    kind = "" if fmt is None else f" of {wording.format_text(fmt)}"
    return (f"No participant was offered an IMR session{kind} from {wording.window_text(window)} in the programs "
            f"shown, so there is nothing to measure. Choose another window, or check that session logs and "
            f"rosters for this period have been uploaded.")


class AgencyRow(NamedTuple):
    id: int
    code: str
    name: str


def visible_agencies(agency_ids):
    """Agencies for the filter list, as AgencyRows: making the state's 120 Agency objects cost more than the list
    is worth (rows: 0.75x the CPU, 2.6 to 2.0 ms with a context of their own; same-run medians at 12M rows)."""
    stmt = select(Agency.id, Agency.code, Agency.name).order_by(Agency.name)
    if agency_ids is not None:
        stmt = stmt.where(Agency.id.in_(list(agency_ids)))
    return [AgencyRow._make(row) for row in db.session.execute(stmt)]
