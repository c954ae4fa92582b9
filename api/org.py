"""Agencies, programs and teams as JSON."""
from flask import Blueprint, jsonify

from api import API_PREFIX
from api.serialize import agency_json, program_json, team_json
from auth.access import get_visible_or_404
from auth.permissions import permission_required
from models import Agency, Program, Team
from org import queries

bp = Blueprint("api_org", __name__, url_prefix=API_PREFIX)


@bp.get("/agencies")
@permission_required("org.read")
def agencies():
    return jsonify(agencies=[agency_json(a) for a in queries.visible_agencies()])


@bp.get("/agencies/<int:agency_id>")
@permission_required("org.read")
def agency(agency_id):
    agency = get_visible_or_404(Agency, agency_id)
    programs = queries.visible_programs(agency.id)
    counts = queries.program_counts(programs)
    return jsonify(agency=agency_json(agency), programs=[program_json(p, counts[p.id]) for p in programs])


@bp.get("/programs")
@permission_required("org.read")
def programs():
    programs = queries.visible_programs()
    counts = queries.program_counts(programs)
    return jsonify(programs=[program_json(p, counts[p.id]) for p in programs])


@bp.get("/programs/<int:program_id>")
@permission_required("org.read")
def program(program_id):
    program = get_visible_or_404(Program, program_id)
    counts = queries.team_counts([t.id for t in program.teams])
    return jsonify(program=program_json(program, queries.program_counts([program])[program.id]),
                   teams=[team_json(t, counts[t.id]) for t in program.teams])


@bp.get("/teams")
@permission_required("org.read")
def teams():
    teams = queries.visible_teams()
    counts = queries.team_counts([t.id for t in teams])
    return jsonify(teams=[team_json(t, counts[t.id]) for t in teams])


@bp.get("/teams/<int:team_id>")
@permission_required("org.read")
def team(team_id):
    team = get_visible_or_404(Team, team_id)
    return jsonify(team=team_json(team, queries.team_counts([team.id])[team.id]))
