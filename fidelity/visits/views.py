"""Visit pages: the list of visits, starting one, a visit's own page (raters and next steps), a rater's own
ratings, and the offline scoring workbook."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auth.access import can_see_agency, get_visible_or_404
from date_text import day
from auth.permissions import permission_required
from errors import bad_request
from extensions import csrf, db
from fidelity import queries
from fidelity.consensus.agreement import agreement_of, rater_maps
from fidelity.errors import EXPIRED_FORM, FidelityError, flash_problems, token_refused
from fidelity.models import Assessment
from fidelity.queries import rater_for
from fidelity.reports.evidence_panel import panel
from fidelity.scales import catalog
from fidelity.scales.catalog import scale_of
from fidelity.visits import kept, offline, stale
from fidelity.visits.housekeeping import cancel_visit, change_visit_date, may_cancel, withdraw_ratings
from fidelity.visits.forms import read_entries, read_new_assessment, read_visit_date
from fidelity.visits.operations import add_rater, create_assessment, save_ratings, submit_ratings
import local_day
from models import Program, Team, User
from security.parsing import whole_number
from spreadsheets.export import file_response
from spreadsheets.guard import UnsafeWorkbook

bp = Blueprint("fidelity_visits", __name__, url_prefix="/fidelity", template_folder="../templates")
# The sign-out form carries both (sign-out.js): the prefix of every copy kept on the device, and the copies done
bp.add_app_template_global(kept.DEVICE_PREFIX, "kept_on_device_prefix")
bp.add_app_template_global(kept.take_done_on_device, "kept_done_on_device")


@bp.route("/")
@permission_required("fidelity.read_scores")
def index():
    scale_key = request.args.get("scale_key") or None
    status = request.args.get("status") if request.args.get("status") in ("draft", "submitted", "final") else None
    assessments = queries.visible_assessments(scale_key=scale_key, status=status, limit=300)
    mine = queries.open_assessments_for(current_user) if current_user.can("fidelity.rate") else []
    return render_template("fidelity/index.html", assessments=assessments, mine=mine, scales=catalog.scale_keys(),
                           scale_key=scale_key, status=status)


@bp.route("/assessments/new", methods=["GET", "POST"])
@permission_required("fidelity.rate")
def new_assessment():
    """GET: the create form, pre-filled from program_id, team_id, scale_key, visit_date; POST: create."""
    status, problems, ask_format = 200, [], False
    if request.method == "POST":
        values, problems = read_new_assessment(request.form)
        ask_format = values["team"] is not None and values["team"].format != values["format"]
        if not problems:
            try:
                assessment = create_assessment(created_by=current_user, **values)
                flash(f"Visit started: {assessment.unit_name}, {assessment.visit_date}.", "info")
                return redirect(url_for("fidelity_visits.assessment", assessment_id=assessment.id))
            except FidelityError as e:
                problems = e.problems
        flash("The visit was not created.", "error")
        status = 400
        form = {**request.form.to_dict(), "rater_ids": request.form.getlist("rater_ids")}
    else:
        form = _prefill(request.args)
    programs = queries.visible_programs_and_teams()
    chosen = [(p, teams) for p, teams in programs if str(p.id) == str(form.get("program_id"))]
    return render_template("fidelity/new.html", form=form, programs=programs, team_groups=chosen or programs,
                           scales=catalog.all_scales(), raters=queries.state_raters(), problems=problems,
                           ask_format=ask_format), status


def _prefill(args):
    """Form values from the query string (the scheduler's "start this due visit" link), checked."""
    form = {"program_id": "", "team_id": "", "scale": "", "format": "", "visit_date": local_day.today().isoformat(),
            "note": "", "rater_ids": [str(current_user.id)]}
    team = db.session.get(Team, args.get("team_id", type=whole_number) or 0)
    if team is not None and can_see_agency(team.program.agency_id):
        form.update(team_id=str(team.id), program_id=str(team.program_id), format=team.format)
    program = db.session.get(Program, args.get("program_id", type=whole_number) or 0)
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
@permission_required("fidelity.rate")
def assessment(assessment_id):
    assessment = get_visible_or_404(Assessment, assessment_id)
    scale = scale_of(assessment)
    applicable = len(scale.items_for(assessment.format))
    progress = {r.id: len(r.rating_map()) for r in assessment.raters}
    maps = rater_maps(assessment)
    return render_template("fidelity/assessment.html", assessment=assessment, scale=scale, applicable=applicable,
                           progress=progress, me=rater_for(assessment, current_user),
                           agreement=agreement_of(maps), raters=queries.state_raters(),
                           may_cancel=may_cancel(assessment, current_user))


@bp.route("/assessments/<int:assessment_id>/raters", methods=["POST"])
@permission_required("fidelity.rate")
def add_rater_view(assessment_id):
    assessment = get_visible_or_404(Assessment, assessment_id)
    user = db.session.get(User, request.form.get("user_id", type=whole_number) or 0)
    try:
        if user is None:
            raise FidelityError("The rater was not added.", ["Choose a rater."])
        add_rater(assessment, user, added_by=current_user)
        flash(f"{user.email} now rates this visit.", "info")
    except FidelityError as e:
        flash(" ".join([str(e)] + e.problems), "error")
    return redirect(url_for("fidelity_visits.assessment", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/cancel", methods=["POST"])
@permission_required("fidelity.rate")
def cancel(assessment_id):
    assessment = get_visible_or_404(Assessment, assessment_id)
    unit, visit_date = assessment.unit_name, assessment.visit_date
    try:
        cancel_visit(assessment, current_user, request.form.get("reason"))
    except FidelityError as e:
        flash(" ".join([str(e)] + e.problems), "error")
        return redirect(url_for("fidelity_visits.assessment", assessment_id=assessment.id))
    flash(f"The draft visit to {unit} on {visit_date} is cancelled; the audit log keeps it.", "info")
    return redirect(url_for("fidelity_visits.index"))


@bp.route("/assessments/<int:assessment_id>/visit-date", methods=["POST"])
@permission_required("fidelity.rate")
def visit_date(assessment_id):
    assessment = get_visible_or_404(Assessment, assessment_id)
    new_date = read_visit_date(request.form)
    try:
        change_visit_date(assessment, current_user, new_date, request.form.get("reason"))
        flash(f"The visit date is now {day(assessment.visit_date)}.", "info")
    except FidelityError as e:
        flash(" ".join([str(e)] + e.problems), "error")
    return redirect(url_for("fidelity_visits.assessment", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/withdraw", methods=["POST"])
@permission_required("fidelity.rate")
def withdraw(assessment_id):
    assessment = get_visible_or_404(Assessment, assessment_id)
    try:
        withdraw_ratings(assessment, rater_for(assessment, current_user))
        flash("Your ratings are withdrawn: change them and submit again.", "info")
        return redirect(url_for("fidelity_visits.rate", assessment_id=assessment.id))
    except FidelityError as e:
        flash(" ".join([str(e)] + e.problems), "error")
    return redirect(url_for("fidelity_visits.assessment", assessment_id=assessment.id))


bp.before_request(kept.keep_sent_form)  # a rating form sent after the sign-in ended is kept, not lost


@csrf.exempt  # checked below, once the sign-in, permission and visit are: an expired token gets the form back
@bp.route("/assessments/<int:assessment_id>/rate", methods=["GET", "POST"])
@permission_required("fidelity.rate")
def rate(assessment_id):
    """The current user's ratings of a visit: every item with its definition, anchors and an evidence note."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    me = rater_for(assessment, current_user)
    if token_refused():
        return _rate_page(assessment, me, request.form, [EXPIRED_FORM], 400)
    if request.method == "POST" and me is None:
        problems = flash_problems(FidelityError("Nothing was saved.", ["You do not rate this visit."]))
        return _rate_page(assessment, me, None, problems, 403)
    if request.method == "POST":
        items = scale_of(assessment).items_for(assessment.format)
        entries, problems = read_entries(request.form, items)
        fields = stale.item_fields(request.form, entries, {r.item_number: r for r in me.ratings}, items)
        if (request.form.get("action") == "submit" and me.submitted_at and not problems
                and stale.already_on_record(fields)):
            return _handed_in(assessment)  # sent twice: the first submitted them
        saved = False
        try:
            if problems:
                raise FidelityError("Nothing was saved.", problems)
            for number in stale.merge(request.form, fields):
                del entries[number]  # changed in another tab since this page opened, and not here
            kept.forget(assessment, current_user)  # in the save's transaction: kept until this form is on record
            save_ratings(assessment, me, entries)
            saved = True
            if request.form.get("action") == "submit":
                submit_ratings(assessment, me)
                return _handed_in(assessment)
            flash("Draft saved.", "info")
            return redirect(url_for("fidelity_visits.rate", assessment_id=assessment.id))
        except FidelityError as e:
            problems = flash_problems(e)
            if saved:
                flash("Your draft is saved; submit again when every item is rated.", "info")
            return _rate_page(assessment, me, request.form, problems, 400, getattr(e, "fresh", None))
    return _rate_page(assessment, me, kept.put_back(kept.RATE, assessment, current_user)
                      if _editable(assessment, me) else None)


def _editable(assessment, me):
    return me is not None and assessment.status == "draft" and me.submitted_at is None


def _handed_in(assessment):
    """The answer to a form that handed the ratings in: its device copy goes, and the visit's page opens."""
    kept.done_on_device(kept.RATE, assessment, current_user)
    flash("Your ratings are submitted.", "info")
    return redirect(url_for("fidelity_visits.assessment", assessment_id=assessment.id))


def _rate_page(assessment, me, posted=None, problems=(), status=200, fresh=None):
    """The rating page; `posted` (a form sent back with its problems) fills the fields instead of the saved."""
    scale = scale_of(assessment)
    items = scale.items_for(assessment.format)
    ratings = {r.item_number: r for r in me.ratings} if me else {}
    was = stale.page_stamps({i.number: stale.shown(ratings.get(i.number)) for i in items}, posted, fresh)
    editable = _editable(assessment, me)
    return render_template("fidelity/rate.html", assessment=assessment, scale=scale, items=items, me=me,
                           ratings=ratings, posted=posted, was=was, editable=editable, problems=problems,
                           evidence=panel(assessment), keep_key=kept.RATE.device_key(current_user, assessment)), status


@bp.route("/assessments/<int:assessment_id>/workbook")
@permission_required("fidelity.rate")
def workbook(assessment_id):
    """A scoring workbook for rating without a network: the current user's (or ?rater_id=) ratings."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    rater = _rater_from(assessment, request.args.get("rater_id", type=whole_number))
    data = offline.build_workbook(assessment, rater)
    name = f"fidelity-visit-{assessment.id}-{assessment.visit_date}-{rater.user.email.split('@')[0]}"
    return file_response("xlsx", data, name)


@bp.route("/assessments/<int:assessment_id>/workbook", methods=["POST"])
@permission_required("fidelity.rate")
def upload_workbook(assessment_id):
    """Enter a filled-in scoring workbook as its rater's ratings, after checking it belongs to this visit."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    upload, problems = request.files.get("workbook"), []
    try:
        if upload is None or not upload.filename:
            raise FidelityError("Nothing was entered.", ["Choose the filled-in workbook to upload."])
        count = offline.import_workbook(assessment, upload.read(), current_user)
        flash(f"Entered {count} ratings from {upload.filename}.", "info")
        return redirect(url_for("fidelity_visits.rate", assessment_id=assessment.id))
    except UnsafeWorkbook as e:
        flash(f"Nothing was entered. {e}", "error")
    except FidelityError as e:
        problems = flash_problems(e)
    return render_template("fidelity/upload_result.html", assessment=assessment, problems=problems), 400


def _rater_from(assessment, rater_id):
    if rater_id:
        rater = next((r for r in assessment.raters if r.id == rater_id), None)
    else:
        rater = rater_for(assessment, current_user)
    if rater is None and rater_id:
        abort(404)
    if rater is None:
        raise bad_request("You do not rate this visit, so there is no workbook of yours to download.")
    if rater.user_id != current_user.id and not current_user.can("fidelity.act_for_raters"):
        abort(403)
    return rater
