"""Dashboard pages and their downloads: load, check access, read the filters, then build the report.

Who sees what: state staff every program; managers their own agency's (another agency's id answers 404).
Clerks upload sheets and see no dashboards (403): the pages list participants by client code with
their attendance, which the clerk's job does not need.
"""
from urllib.parse import urlencode

from flask import Blueprint, g, render_template, request, url_for

from auth.access import get_visible_or_404, visible_agency_ids
from auth.permissions import permission_required
from auth.subjects import read_with_user
from dashboards import charts, reports, tables
from dashboards.downloads import send_tables
from dashboards.filters import filters_or_400, options_html, overview_filters, read_filters, settings
from dashboards.overview import overview_report, visible_agencies
from dashboards.queries import programs_in
from dashboards.windows import PRESETS, FilterError, default_window
from fixed_urls import id_links
import local_day
from models import Program, Team
from ops.faults import writes_on_get

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards", template_folder="templates")

dashboard_roles = permission_required("dashboards.read")


def _page(template, status=200, **context):
    return render_template(template, **context), status


def window_args(window, fmt):
    """Query arguments that carry the window and format through links (drill-down, downloads)."""
    return {"from": window.start.isoformat(), "to": window.end.isoformat(), "format": fmt}


def _dashboard(template, build_report, build_charts, **subject):
    """A program or team page: the filters, then the report and its charts (or the problem, or why it is empty)."""
    [obj] = subject.values()
    try:
        window, fmt = read_filters(request.args, getattr(obj, "program", obj))
    except FilterError as e:
        return _page(template, 400, error=str(e), report=None, window=default_window(local_day.today()), fmt=None,
                     wargs={}, **subject)
    report = build_report(obj, window, fmt, settings())
    chart_list, table_map = build_charts(report) if not report["empty"] else ([], {})
    wargs = window_args(window, fmt)
    team_links = [url_for("dashboards.team", team_id=t["id"], **wargs) for t in report.get("teams", [])]
    return _page(template, report=report, charts=chart_list, tables=table_map, window=window, fmt=fmt, error=None,
                 wargs=wargs, team_links=team_links, **subject)


@bp.route("/programs/<int:program_id>")
@dashboard_roles
def program(program_id):
    return _dashboard("dashboards/program.html", reports.program_report, charts.program_charts,
                      program=get_visible_or_404(Program, program_id, *reports.PROGRAM_PARTS))


@bp.route("/teams/<int:team_id>")
@dashboard_roles
def team(team_id):
    return _dashboard("dashboards/team.html", reports.team_report, charts.team_charts,
                      team=get_visible_or_404(Team, team_id, *reports.TEAM_PARTS))


read_with_user("dashboards.team", Team, "team_id", *reports.TEAM_PARTS)  # its team: no round trip of its own


@bp.route("/state")
@writes_on_get  # keeps the numbers it computed (dashboards/overview_counts.py)
@dashboard_roles
def overview():
    agency_ids = visible_agency_ids()
    agencies = visible_agencies(agency_ids)
    try:
        window, fmt, agency, program_id = overview_filters(request.args)
    except FilterError as e:
        return _page("dashboards/overview.html", 400, error=str(e), report=None, agencies=agencies,
                     window=default_window(local_day.today()), fmt=None, agency=None, program_id=None,
                     programs=programs_in(agency_ids), wargs={})
    programs = programs_in({agency.id} if agency else agency_ids)  # the filter's list, and the report's programs
    report = overview_report(window, settings(), agency_ids=agency_ids, agency=agency, program_id=program_id,
                             fmt=fmt, programs=programs, freshness_per_team=False)
    chart_list, table_map = charts.overview_charts(report) if not report["empty"] else ([], {})
    wargs = window_args(window, fmt)
    shown_programs, shown_agencies = [p["id"] for p in report["programs"]], [a["id"] for a in report["agencies"]]
    return _page("dashboards/overview.html", report=report, charts=chart_list, tables=table_map, window=window,
                 fmt=fmt, agency=agency, program_id=program_id, agencies=agencies, error=None, wargs=wargs,
                 programs=programs, program_links=id_links("dashboards.program", "program_id", shown_programs, **wargs),
                 agency_links=id_links("dashboards.overview", "agency", shown_agencies, **wargs))


# --- Downloads: the tables of a page, with the page's filters ----------------------------------------

def _download(build_report, build_tables, obj):
    window, fmt = filters_or_400(lambda args: read_filters(args, getattr(obj, "program", obj)))
    report = build_report(obj, window, fmt, settings())
    return send_tables(build_tables(report), report, f"engagement-{obj.name}")


@bp.route("/programs/<int:program_id>/download")
@dashboard_roles
def program_download(program_id):
    return _download(reports.program_report, tables.program_tables, get_visible_or_404(Program, program_id))


@bp.route("/teams/<int:team_id>/download")
@dashboard_roles
def team_download(team_id):
    return _download(reports.team_report, tables.team_tables, get_visible_or_404(Team, team_id))


@bp.route("/state/download")
@writes_on_get
@dashboard_roles
def overview_download():
    window, fmt, agency, program_id = filters_or_400(overview_filters)
    report = overview_report(window, settings(), agency_ids=visible_agency_ids(), agency=agency,
                             program_id=program_id, fmt=fmt, freshness_per_team=False)
    return send_tables(tables.overview_tables(report), report, "engagement-overview")


KEPT_FILTERS = ("format", "agency", "program")  # what a preset link carries over; it sets the window itself


def preset_links():
    """[(words, URL, chosen)] of the window presets for this page, keeping its other filters."""
    # Only the filters the pages read: any other key (the page's own id, url_for's endpoint or _scheme) made
    # url_for raise or build an odd link.
    kept = {k: v for k, v in request.args.items() if k in KEPT_FILTERS}
    chosen = request.args.get("preset")
    base = url_for(request.endpoint, **request.view_args, **kept)
    return [(words, _with_arg(base, "preset", key), key == chosen) for key, words in PRESETS]


def download_link(endpoint, args, key=None):
    """The CSV download of one table of the page (key) or of all its tables. A page links a dozen: they are built
    from one url_for per request (each url_for with arguments costs about 35 us; a team page called it 32 times)."""
    made = g.setdefault("download_links", {})
    base = made.get((endpoint, *args.items()))
    if base is None:
        base = made[(endpoint, *args.items())] = url_for(endpoint, file="csv", **args)
    return base if key is None else _with_arg(base, "table", key)


def _with_arg(url, name, value):
    """url with one more query argument, added last as url_for adds them."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({name: value})}"


bp.add_app_template_global(preset_links)
bp.add_app_template_global(download_link)
bp.add_app_template_filter(tables.cell_text, "num")
bp.add_app_template_global(tables.rows_html, "table_rows")
bp.add_app_template_global(options_html, "filter_options")
