"""Reports: one assessment's report (page and .xlsx), the history of a program or team, the state view."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auth.access import get_visible_or_404
from auth.permissions import permission_required
from date_text import moment
from fidelity import queries
from fidelity.reports import charts, history
from fidelity.reports.filters import FILTERS
from fidelity.reports.evidence_panel import panel
from fidelity.reports.report import build_report
from fidelity.reports.state import build_state, read_window, state_sheets
from fidelity.scales import catalog
from models import Program, Team
from scoring.fidelity_items import SORT_KEYS, sorted_statistics
from spreadsheets.export import file_response, xlsx_bytes

bp = Blueprint("fidelity_reports", __name__, url_prefix="/fidelity", template_folder="../templates")
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


@bp.route("/assessments/<int:assessment_id>/report")
@permission_required("fidelity.read_scores")
def report(assessment_id):
    assessment = queries.get_assessment(assessment_id)  # managers: own agency, final only
    if assessment.status != "final":
        flash("The report is ready when the assessment is final.", "info")
        return redirect(url_for("fidelity_visits.assessment", assessment_id=assessment.id))
    found = build_report(assessment)
    chart = charts.item_profile(
        [r.item.number for r in found.rows], [r.item.name for r in found.rows], [r.value for r in found.rows],
        [r.previous for r in found.rows], found.scale.bands,
        f"{found.scale.title}: item scores, {assessment.unit_name}, {assessment.visit_date}",
        found.scale.rating_range)
    return render_template("fidelity/report.html", assessment=assessment, report=found, chart=chart,
                           evidence=panel(assessment, assessment.consensus_ratings()))


ITEM_HEADER = ["Item", "Name", "Score", "Item band", "Previous", "Change", "Needs work", "Consensus note",
               "Raters' evidence"]
ITEM_FORMATS = {"Score": "0", "Previous": "0", "Change": "+0;-0;0"}
CHANGE_SHOWN = ("Change since previous visit", "Previous", "Change")  # the summary row and item columns


def _columns(header, rows, formats, dropped):
    """A sheet's header, rows and number formats ({column index: format}) without the columns named in `dropped`;
    `formats` by column name."""
    kept = [i for i, name in enumerate(header) if name not in dropped]
    return ([header[i] for i in kept], [tuple(row[i] for i in kept) for row in rows],
            {n: formats[header[i]] for n, i in enumerate(kept) if header[i] in formats})


@bp.route("/assessments/<int:assessment_id>/report.xlsx")
@permission_required("fidelity.read_scores")
def report_xlsx(assessment_id):
    assessment = queries.get_assessment(assessment_id)
    found = build_report(assessment)
    a, s = assessment, found.score
    summary = [
        ("Agency", a.program.agency.name), ("Program", a.program.name), ("Team", a.team.name if a.team else ""),
        ("Scale", f"{found.scale.title} (version {a.scale_version})"), ("Format", a.format),
        ("Visit date", a.visit_date), ("Status", a.status),
        ("Raters", ", ".join(r.user.email for r in a.raters)),
        # Unrounded, in Excel's General format (a column format would show the sum as 54.00); then as shown.
        (f"Summary score ({found.scale.summary} of items)", s.summary), ("Summary shown", found.shown),
        ("Band", s.band.label if s.band else ""), ("Sum of item scores", s.total),
        ("Sum range", f"{s.total_range[0]}-{s.total_range[1]}" if s.scored else ""),
        ("Previous visit", found.previous.visit_date if found.previous else "none"),
        ("Change since previous visit", found.change),
        ("Recommendations", a.recommendations or ""),
    ]
    items = [(r.item.number, r.item.name, r.value if r.value is not None else r.shown, r.band.label if r.band else "",
              r.previous, r.change, "yes" if r.needs_work else "", r.note or "",
              "\n".join(f"{who} ({value}): {note}" for who, value, note in r.evidence)) for r in found.rows]
    # A first visit has no change to show: no change row or columns, not zeros.
    dropped = set(CHANGE_SHOWN) if found.previous is None else set()
    summary = [row for row in summary if row[0] not in dropped]
    item_header, items, item_formats = _columns(ITEM_HEADER, items, ITEM_FORMATS, dropped)
    amendments = [(moment(m.at), m.actor, "visit date" if m.of_visit_date else m.item_number, m.old_value, m.new_value, m.reason)
                  for m in a.amendments]
    window, rows = panel(a, a.consensus_ratings())
    evidence = [(r.item.number, r.item.name, r.figure, r.evidence.anchor, r.consensus, "yes" if r.disagrees else "",
                 f"{window.start} to {window.end}") for r in rows]
    data = xlsx_bytes([
        ("Summary", ["Field", "Value"], summary),
        ("Items", item_header, items, item_formats),
        ("Amendments", ["When", "By", "Item", "Old", "New", "Why"], amendments),
        ("Evidence", ["Item", "Name", "Figure from records", "Points to", "Consensus", "Differs by 2+", "Window"],
         evidence),
    ])
    return file_response("xlsx", data, f"fidelity-report-{a.id}-{a.visit_date}")


def _history_page(program, team, assessments):
    """Trend per scale (one line per unit and set of visits a report compares), each item's scores, the visits."""
    consensus = queries.consensus_for([a.id for a in assessments])
    scope = f"{team.name} ({program.name})" if team else program.name
    found = []
    for section in history.sections(assessments):
        lines = [(line.label, [a.visit_date for a in line.visits], [a.summary_score for a in line.visits])
                 for line in section.lines]
        chart = charts.trend(lines, section.bands, f"{section.title}: summary score over visits, {scope}",
                             div_id=f"trend-{section.key}")
        found.append((section, chart, section.trajectories(consensus)))
    return render_template("fidelity/history.html", program=program, team=team, sections=found)


@bp.route("/programs/<int:program_id>/history")
@permission_required("fidelity.read_scores")
def program_history(program_id):
    program = get_visible_or_404(Program, program_id)
    return _history_page(program, None, queries.final_history(program.id))


@bp.route("/teams/<int:team_id>/history")
@permission_required("fidelity.read_scores")
def team_history(team_id):
    team = get_visible_or_404(Team, team_id)
    return _history_page(team.program, team, queries.final_history(team.program_id, team_id=team.id))


def _state_view():
    keys = catalog.scale_keys()
    scale_key = request.args.get("scale_key") if request.args.get("scale_key") in keys else catalog.headline_key()
    start, end, problems = read_window(request.args)
    return keys, build_state(scale_key, start, end, problems)


@bp.route("/state")
@permission_required("fidelity.read_scores")
def state():
    """Every visible unit's latest score and change, an item x unit heatmap, and item statistics per version."""
    keys, view = _state_view()
    for problem in view.problems:
        flash(f"{problem} The item statistics cover every visit instead.", "error")
    scale = view.scale
    latest = [line.row.latest for line in view.lines if line.row.latest is not None]
    consensus = queries.consensus_for([a.id for a in latest])
    heatmap = None
    if latest:
        labels = [f"{a.program.agency.code} · {a.unit_name}" for a in latest]
        matrix = [[consensus[a.id].get(i.number) for i in scale.items] for a in latest]
        heatmap = charts.item_heatmap(labels, [str(i.number) for i in scale.items], matrix,
                                      f"{scale.title}: item scores at each unit's latest visit",
                                      scale.rating_range)
    sort = request.args.get("sort") if request.args.get("sort") in SORT_KEYS else "item"
    descending = request.args.get("desc") == "1"
    tables = [(t, sorted_statistics(t.stats, sort, descending)) for t in view.tables]
    scope = "every program in the state" if current_user.can("agencies.read_all") else \
        f"the programs of {current_user.agency.name}"
    return render_template("fidelity/state.html", view=view, scale=scale, keys=keys, heatmap=heatmap,
                           heatmap_units=len(latest), heatmap_named=charts.rows_named(len(latest)),
                           tables=tables, sort=sort, descending=descending, scope=scope)


@bp.route("/state.xlsx")
@permission_required("fidelity.read_scores")
def state_xlsx():
    _, view = _state_view()
    data = xlsx_bytes(state_sheets(view))
    return file_response("xlsx", data, f"fidelity-state-{view.scale.key}")
