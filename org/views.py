"""The overview of what a user may see, and the program and team pages."""
from flask import Blueprint, current_app, render_template
from flask_login import current_user

from auth.access import get_visible_or_404
from auth.permissions import permission_required
from fixed_urls import id_links
from models import Program, Team
from org import goal_queries, queries
from org.page_parts import PROGRAM_FACTS, PROGRAM_LINKS, TEAM_FACTS, TEAM_LINKS, facts_for, links_for

bp = Blueprint("org", __name__, template_folder="templates")


@bp.route("/")
@permission_required("org.read")
def overview():
    agencies = queries.visible_agencies()
    programs = queries.visible_programs()
    counts = queries.program_counts(programs)
    by_agency = {a.id: [] for a in agencies}
    for program in programs:  # one pass: a state's 120 agencies each looking through 600 programs took 30 ms
        by_agency[program.agency_id].append(program)
    links = dict(zip((p.id for p in programs), id_links("org.program", "program_id", [p.id for p in programs])))
    return render_template("org/overview.html", agencies=agencies, by_agency=by_agency, counts=counts, links=links)


@bp.route("/programs/<int:program_id>")
@permission_required("org.read")
def program(program_id):
    program = get_visible_or_404(Program, program_id)
    teams = program.teams
    counts = queries.team_counts([t.id for t in teams])
    links = links_for(PROGRAM_LINKS, current_user, current_app.view_functions, program.id)
    facts = facts_for(PROGRAM_FACTS, program, current_user)
    return render_template("org/program.html", program=program, teams=teams, counts=counts, links=links,
                           facts=facts)


@bp.route("/teams/<int:team_id>")
@permission_required("org.read")
def team(team_id):
    team = get_visible_or_404(Team, team_id)
    counts = queries.team_counts([team.id])[team.id]
    participants = queries.team_participants(team.id)
    first, last = queries.team_session_span(team.id)
    links = links_for(TEAM_LINKS, current_user, current_app.view_functions, team.id)
    facts = facts_for(TEAM_FACTS, team, current_user)
    goals = goal_queries.counts_for_teams([team.id])[team.id]
    goal_rows = goal_queries.participant_summaries([p.id for p in participants])
    return render_template("org/team.html", team=team, counts=counts, participants=participants,
                           first=first, last=last, links=links, facts=facts, goals=goals, goal_rows=goal_rows,
                           goal_days=goal_queries.review_days())
