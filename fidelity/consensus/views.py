"""Consensus pages: raters' ratings side by side with their agreement, the consensus form, finalising, and
amendments to a final visit."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from auth.access import get_visible_or_404
from auth.permissions import permission_required
from extensions import csrf
from fidelity.consensus.agreement import agreement_of, rater_maps
from fidelity.consensus.operations import amend, finalize, save_consensus
from fidelity.errors import EXPIRED_FORM, FidelityError, flash_problems, token_refused
from fidelity.models import Assessment
from fidelity.reports.report import build_report
from fidelity.scales.catalog import scale_of
from fidelity.visits import kept, stale
from fidelity.visits.forms import read_entries
from fidelity.visits.rules import parse_choice
from security.parsing import whole_number

bp = Blueprint("fidelity_consensus", __name__, url_prefix="/fidelity/assessments", template_folder="../templates")
bp.before_request(kept.keep_sent_form)  # a consensus form sent after the sign-in ended is kept, not lost


@csrf.exempt  # checked below, once the sign-in, permission and visit are: an expired token gets the form back
@bp.route("/<int:assessment_id>/consensus", methods=["GET", "POST"])
@permission_required("fidelity.rate")
def consensus(assessment_id):
    """Raters' ratings side by side with their agreement, the consensus form, and finalising."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    if token_refused():
        return _consensus_page(assessment, request.form, [EXPIRED_FORM], 400)
    if request.method == "POST":
        items = scale_of(assessment).items_for(assessment.format)
        entries, problems = read_entries(request.form, items)
        recommendations = request.form.get("recommendations")
        fields = stale.item_fields(request.form, entries, {c.item_number: c for c in assessment.consensus}, items)
        if recommendations is not None:
            fields["recommendations"] = ("The recommendations", ("", assessment.recommendations),
                                         ("", recommendations))
        if _finalised_by_this_form(assessment, problems, fields):
            return _final(assessment)  # sent twice: the first finalised it
        try:
            if problems:
                raise FidelityError("Nothing was saved.", problems)
            for key in stale.merge(request.form, fields):  # changed by the other trainer, and not here
                if key == "recommendations":
                    recommendations = None
                else:
                    del entries[key]
            kept.forget(assessment, current_user)  # in the save's transaction: kept until this form is on record
            if entries or recommendations is not None:
                save_consensus(assessment, entries, recommendations)
            if request.form.get("action") == "finalize":
                finalize(assessment)
                return _final(assessment)
            flash("Consensus saved.", "info")
            return redirect(url_for("fidelity_consensus.consensus", assessment_id=assessment.id))
        except FidelityError as e:
            problems = flash_problems(e)
            return _consensus_page(assessment, request.form, problems, 400, getattr(e, "fresh", None))
    return _consensus_page(assessment, kept.put_back(kept.CONSENSUS, assessment, current_user)
                           if _editable(assessment) else None)


def _editable(assessment):
    """Consensus is entered once every rater has submitted, until the visit is final."""
    return assessment.status == "submitted"


def _final(assessment):
    """The answer to a form that finalised the visit: its device copy goes, and the report opens."""
    kept.done_on_device(kept.CONSENSUS, assessment, current_user)
    flash("The assessment is final.", "info")
    return redirect(url_for("fidelity_reports.report", assessment_id=assessment.id))


def _finalised_by_this_form(assessment, problems, fields):
    """Whether a "Save and finalise" sent again finds the visit final with exactly what it sends (`fields`, the
    stale-form check's: a note's spaces and line ends are not a change)."""
    if request.form.get("action") != "finalize" or assessment.status != "final" or problems:
        return False
    return stale.already_on_record(fields)


def _consensus_page(assessment, posted=None, problems=(), status=200, fresh=None):
    """The consensus page; `posted` (a form sent back with its problems) fills the fields instead of the saved."""
    scale = scale_of(assessment)
    items = scale.items_for(assessment.format)
    maps = rater_maps(assessment)
    notes = {r.id: {x.item_number: x.note for x in r.ratings} for r, _ in maps}
    consensus = {c.item_number: c for c in assessment.consensus}
    current = {i.number: stale.shown(consensus.get(i.number)) for i in items}
    was = stale.page_stamps(current | {"recommendations": ("", assessment.recommendations)}, posted, fresh)
    return render_template("fidelity/consensus.html", assessment=assessment, scale=scale, items=items, maps=maps,
                           notes=notes, agreement=agreement_of(maps), posted=posted, was=was,
                           editable=_editable(assessment), consensus=consensus, problems=problems,
                           keep_key=kept.CONSENSUS.device_key(current_user, assessment)), status


@bp.route("/<int:assessment_id>/amend", methods=["GET", "POST"])
@permission_required("fidelity.rate")
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
            amend(assessment, request.form.get("item", type=whole_number), value, not_applicable,
                  request.form.get("reason"), current_user)
            flash("Amendment recorded.", "info")
            return redirect(url_for("fidelity_reports.report", assessment_id=assessment.id))
        except FidelityError as e:
            problems = flash_problems(e)
            status = 400
    report = build_report(assessment) if assessment.status == "final" else None
    return render_template("fidelity/amend.html", assessment=assessment, report=report,
                           form=request.form, problems=problems), status
