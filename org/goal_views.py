"""Goal tracking pages and API: a participant's goals with their steps, and a unit's goal counts."""
from dataclasses import asdict

from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from api import API_PREFIX
from auth.access import get_visible_or_404
from auth.permissions import permission_required
from models import ROLES, Participant, Program, Team
from org import goal_queries

bp = Blueprint("goals", __name__, template_folder="templates")
api_bp = Blueprint("api_goals", __name__, url_prefix=API_PREFIX)


def may_read_wording(user, participant):
    """Wording is personal: only the agency's own staff and state staff, and only where the agency keeps it."""
    return participant.team.program.agency.keep_goal_wording and user.role in ROLES


@bp.route("/participants/<int:participant_id>")
@permission_required("org.read")
def participant(participant_id):
    person = get_visible_or_404(Participant, participant_id)
    return render_template("org/participant.html", person=person, tree=goal_queries.goal_tree(person.id),
                           wording=may_read_wording(current_user, person), days=goal_queries.review_days())


def _counts_json(counts):
    return {"review_days": goal_queries.review_days(), **asdict(counts)}


@api_bp.get("/teams/<int:team_id>/goals")
@permission_required("org.read")
def team_goals(team_id):
    team = get_visible_or_404(Team, team_id)
    counts = goal_queries.counts_for_teams([team.id])[team.id]
    return jsonify(team_id=team.id, counts=_counts_json(counts))


@api_bp.get("/programs/<int:program_id>/goals")
@permission_required("org.read")
def program_goals(program_id):
    program = get_visible_or_404(Program, program_id)
    counts = goal_queries.counts_for_teams([t.id for t in program.teams])
    total = {key: sum(getattr(c, key) for c in counts.values()) for key in
             ("participants", "with_goal", "broken_down", "reviewed", "goals_achieved", "steps_achieved", "overdue")}
    return jsonify(program_id=program.id, counts={"review_days": goal_queries.review_days(), **total},
                   teams={str(tid): _counts_json(c) for tid, c in counts.items()})
