"""Rating pages: a rater's own ratings, consensus with agreement, finalising, amendments, the offline workbook."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from auth.access import get_visible_or_404, roles_required
from errors import bad_request
from fidelity.visits import offline
from fidelity.visits.forms import read_entries
from fidelity.models import Assessment
from fidelity.visits.operations import (FidelityError, amend, finalize, parse_choice, rater_for, save_consensus,
                                 save_ratings, scale_of, submit_ratings)
from fidelity.reports.report import agreement_of, build_report, rater_maps
from fidelity.visits.views import STATE, flash_problems
from spreadsheets.guard import UnsafeWorkbook

bp = Blueprint("fidelity_rating", __name__, url_prefix="/fidelity/assessments", template_folder="../templates")


@bp.route("/<int:assessment_id>/rate", methods=["GET", "POST"])
@roles_required(*STATE)
def rate(assessment_id):
    """The current user's ratings of a visit: every item with its definition, anchors and an evidence note."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    scale = scale_of(assessment)
    me = rater_for(assessment, current_user)
    items = scale.items_for(assessment.format)
    status, posted, problems = 200, None, []
    if request.method == "POST":
        if me is None:
            abort(403)
        entries, problems = read_entries(request.form, items)
        saved = False
        try:
            if problems:
                raise FidelityError("Nothing was saved.", problems)
            save_ratings(assessment, me, entries)
            saved = True
            if request.form.get("action") == "submit":
                submit_ratings(assessment, me)
                flash("Your ratings are submitted.", "info")
                return redirect(url_for("fidelity.assessment", assessment_id=assessment.id))
            flash("Draft saved.", "info")
            return redirect(url_for("fidelity_rating.rate", assessment_id=assessment.id))
        except FidelityError as e:
            problems = flash_problems(e)
            if saved:
                flash("Your draft is saved; submit again when every item is rated.", "info")
            status, posted = 400, request.form
    ratings = {r.item_number: r for r in me.ratings} if me else {}
    editable = me is not None and assessment.status == "draft" and me.submitted_at is None
    return render_template("fidelity/rate.html", assessment=assessment, scale=scale, items=items, me=me,
                           ratings=ratings, posted=posted, editable=editable, problems=problems), status


@bp.route("/<int:assessment_id>/consensus", methods=["GET", "POST"])
@roles_required(*STATE)
def consensus(assessment_id):
    """Raters' ratings side by side with their agreement, the consensus form, and finalising."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    scale = scale_of(assessment)
    items = scale.items_for(assessment.format)
    status, posted, problems = 200, None, []
    if request.method == "POST":
        entries, problems = read_entries(request.form, items)
        try:
            if problems:
                raise FidelityError("Nothing was saved.", problems)
            if entries:
                save_consensus(assessment, entries)
            if request.form.get("action") == "finalize":
                finalize(assessment)
                flash("The assessment is final.", "info")
                return redirect(url_for("fidelity_reports.report", assessment_id=assessment.id))
            flash("Consensus saved.", "info")
            return redirect(url_for("fidelity_rating.consensus", assessment_id=assessment.id))
        except FidelityError as e:
            problems = flash_problems(e)
            status, posted = 400, request.form
    maps = rater_maps(assessment)
    notes = {r.id: {x.item_number: x.note for x in r.ratings} for r, _ in maps}
    return render_template("fidelity/consensus.html", assessment=assessment, scale=scale, items=items, maps=maps,
                           notes=notes, agreement=agreement_of(maps), posted=posted,
                           consensus={c.item_number: c for c in assessment.consensus}, problems=problems), status


@bp.route("/<int:assessment_id>/amend", methods=["GET", "POST"])
@roles_required(*STATE)
def amend_view(assessment_id):
    """Amend one consensus rating of a final assessment, with the reason."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    status, problems = 200, []
    if request.method == "POST":
        try:
            try:
                value, not_applicable = parse_choice(request.form.get("choice"))
            except ValueError as e:
                raise FidelityError("Nothing was amended.", [f"New rating: {e}."])
            amend(assessment, request.form.get("item", type=int), value, not_applicable,
                  request.form.get("reason"), current_user)
            flash("Amendment recorded.", "info")
            return redirect(url_for("fidelity_reports.report", assessment_id=assessment.id))
        except FidelityError as e:
            problems = flash_problems(e)
            status = 400
    report = build_report(assessment) if assessment.status == "final" else None
    return render_template("fidelity/amend.html", assessment=assessment, report=report,
                           form=request.form, problems=problems), status


@bp.route("/<int:assessment_id>/workbook")
@roles_required(*STATE)
def workbook(assessment_id):
    """A scoring workbook for rating without a network: the current user's (or ?rater_id=) ratings."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    rater = _rater_from(assessment, request.args.get("rater_id", type=int))
    data = offline.build_workbook(assessment, rater)
    name = f"fidelity-visit-{assessment.id}-{assessment.visit_date}-{rater.user.email.split('@')[0]}.xlsx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/<int:assessment_id>/workbook", methods=["POST"])
@roles_required(*STATE)
def upload_workbook(assessment_id):
    """Enter a filled-in scoring workbook as its rater's ratings, after checking it belongs to this visit."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    upload, problems = request.files.get("workbook"), []
    try:
        if upload is None or not upload.filename:
            raise FidelityError("Nothing was entered.", ["Choose the filled-in workbook to upload."])
        count = offline.import_workbook(assessment, upload.read(), current_user)
        flash(f"Entered {count} ratings from {upload.filename}.", "info")
        return redirect(url_for("fidelity_rating.rate", assessment_id=assessment.id))
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
    if rater.user_id != current_user.id and current_user.role != "admin":
        abort(403)
    return rater
