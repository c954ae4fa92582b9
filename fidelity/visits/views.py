"""Fidelity pages: the list of visits, starting a visit, and a visit's own page (raters and next steps)."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auth.access import can_see_agency, get_visible_or_404, roles_required
from extensions import db
from fidelity import queries
from fidelity.scales import catalog
from fidelity.visits.forms import read_new_assessment
from fidelity.models import Assessment
from fidelity.visits.operations import FidelityError, add_rater, create_assessment, rater_for, scale_of
from fidelity.reports.report import agreement_of, rater_maps
from models import Program, Team, User
from scoring.fidelity import display_score

bp = Blueprint("fidelity", __name__, url_prefix="/fidelity", template_folder="../templates")

STATE = ("admin", "trainer")
READERS = ("admin", "trainer", "manager")


def flash_problems(error):
    """Flash a refused change's message; return its problems for the page to list."""
    flash(str(error), "error")
    return error.problems


@bp.app_template_filter("fidelity_score")
def fidelity_score_filter(assessment):
    """An assessment's summary as shown (4.2), with more decimals only where a band edge needs them."""
    if assessment.summary_score is None:
        return "–"
    try:
        return display_score(assessment.summary_score, scale_of(assessment).bands)
    except KeyError:
        return display_score(assessment.summary_score)


@bp.app_template_filter("fidelity_band")
def fidelity_band_filter(assessment):
    """The label of an assessment's band (High fidelity), or its key when the scale is gone."""
    if not assessment.band:
        return ""
    try:
        band = scale_of(assessment).band(assessment.band)
    except KeyError:
        band = None
    return band.label if band else assessment.band


@bp.app_template_filter("signed")
def signed_filter(change):
    """A change in points: +1, -2, 0 (no sign on zero), or a dash when there is nothing to compare."""
    if change is None:
        return "–"
    return f"{change:+d}" if change else "0"


@bp.route("/")
@roles_required(*READERS)
def index():
    scale_key = request.args.get("scale_key") or None
    status = request.args.get("status") if request.args.get("status") in ("draft", "submitted", "final") else None
    assessments = queries.visible_assessments(scale_key=scale_key, status=status, limit=300)
    mine = queries.open_assessments_for(current_user) if current_user.is_state_staff else []
    return render_template("fidelity/index.html", assessments=assessments, mine=mine, scales=catalog.scale_keys(),
                           scale_key=scale_key, status=status)


@bp.route("/assessments/new", methods=["GET", "POST"])
@roles_required(*STATE)
def new_assessment():
    """GET: the create form, pre-filled from program_id, team_id, scale_key, visit_date; POST: create."""
    status, problems = 200, []
    if request.method == "POST":
        values, problems = read_new_assessment(request.form)
        if not problems:
            try:
                assessment = create_assessment(created_by=current_user, **values)
                flash(f"Visit started: {assessment.unit_name}, {assessment.visit_date}.", "info")
                return redirect(url_for("fidelity.assessment", assessment_id=assessment.id))
            except FidelityError as e:
                problems = e.problems
        flash("The visit was not created.", "error")
        status = 400
        form = {**request.form.to_dict(), "rater_ids": request.form.getlist("rater_ids")}
    else:
        form = _prefill(request.args)
    return render_template("fidelity/new.html", form=form, programs=queries.visible_programs_and_teams(),
                           scales=catalog.all_scales(), raters=queries.state_raters(), problems=problems), status


def _prefill(args):
    """Form values from the query string (the scheduler's "start this due visit" link), checked."""
    form = {"program_id": "", "team_id": "", "scale": "", "format": "", "visit_date": date.today().isoformat(),
            "note": "", "rater_ids": [str(current_user.id)]}
    team = db.session.get(Team, args.get("team_id", type=int) or 0)
    if team is not None and can_see_agency(team.program.agency_id):
        form.update(team_id=str(team.id), program_id=str(team.program_id), format=team.format)
    program = db.session.get(Program, args.get("program_id", type=int) or 0)
    if program is not None and can_see_agency(program.agency_id) and not form["team_id"]:
        form["program_id"] = str(program.id)
    if args.get("scale_key"):
        try:
            scale = catalog.get_scale(args["scale_key"])
            form["scale"] = f"{scale.key}@{scale.version}"
        except KeyError:
            pass
    try:
        form["visit_date"] = date.fromisoformat(args["visit_date"]).isoformat()
    except (KeyError, ValueError):
        pass
    return form


@bp.route("/assessments/<int:assessment_id>")
@roles_required(*STATE)
def assessment(assessment_id):
    assessment = get_visible_or_404(Assessment, assessment_id)
    scale = scale_of(assessment)
    applicable = len(scale.items_for(assessment.format))
    progress = {r.id: len(r.rating_map()) for r in assessment.raters}
    maps = rater_maps(assessment)
    return render_template("fidelity/assessment.html", assessment=assessment, scale=scale, applicable=applicable,
                           progress=progress, me=rater_for(assessment, current_user),
                           agreement=agreement_of(maps), raters=queries.state_raters())


@bp.route("/assessments/<int:assessment_id>/raters", methods=["POST"])
@roles_required(*STATE)
def add_rater_view(assessment_id):
    assessment = get_visible_or_404(Assessment, assessment_id)
    user = db.session.get(User, request.form.get("user_id", type=int) or 0)
    try:
        if user is None:
            raise FidelityError("The rater was not added.", ["Choose a rater."])
        add_rater(assessment, user)
        flash(f"{user.email} now rates this visit.", "info")
    except FidelityError as e:
        flash(" ".join([str(e)] + e.problems), "error")
    return redirect(url_for("fidelity.assessment", assessment_id=assessment.id))
