"""Engagement numbers as JSON: what the dashboards show, with the same access rules (clerks: 403)."""
from flask import Blueprint, jsonify

from api import API_PREFIX
from auth.access import get_visible_or_404, visible_agency_ids
from auth.permissions import permission_required
from dashboards import reports
from dashboards.overview import overview_report
from dashboards.filters import filters_or_400, overview_filters, read_filters, settings
from models import Program, Team
from ops.faults import writes_on_get

bp = Blueprint("api_dashboards", __name__, url_prefix=API_PREFIX)


def _report_json(build_report, obj, program):
    window, fmt = filters_or_400(lambda args: read_filters(args, program))
    return jsonify(build_report(obj, window, fmt, settings()))


@bp.get("/programs/<int:program_id>/engagement")
@permission_required("dashboards.read")
def program_engagement(program_id):
    program = get_visible_or_404(Program, program_id, *reports.PROGRAM_PARTS)
    return _report_json(reports.program_report, program, program)


@bp.get("/teams/<int:team_id>/engagement")
@permission_required("dashboards.read")
def team_engagement(team_id):
    team = get_visible_or_404(Team, team_id, *reports.TEAM_PARTS)
    return _report_json(reports.team_report, team, team.program)


@bp.get("/engagement/programs")
@writes_on_get  # keeps the numbers it computed (dashboards/overview_counts.py)
@permission_required("dashboards.read")
def overview_engagement():
    """The state overview (a manager's: their own agency), with the overview's filters."""
    window, fmt, agency, program_id = filters_or_400(overview_filters)
    return jsonify(overview_report(window, settings(), agency_ids=visible_agency_ids(), agency=agency,
                                   program_id=program_id, fmt=fmt))
