"""The evidence panel's pages: the rows behind a figure, the visit's evidence window, and the panel as JSON."""
from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from api import API_PREFIX
from auth.access import get_visible_or_404
from auth.permissions import permission_required
from extensions import db
from fidelity import queries
from fidelity.errors import FidelityError
from fidelity.models import Assessment
from fidelity.reports.evidence import session_sizes, unit_evidence, unit_of
from fidelity.reports.evidence_panel import ROWS_ARE, figure_text, panel_json, set_window
from fidelity.scales.catalog import scale_of
from models import MODULES, Participant, Session, Team

bp = Blueprint("fidelity_evidence", __name__, url_prefix="/fidelity", template_folder="../templates")
api_bp = Blueprint("api_fidelity_evidence", __name__, url_prefix=API_PREFIX)


@bp.route("/assessments/<int:assessment_id>/evidence/<int:item>")
@permission_required("fidelity.read_scores")
def rows(assessment_id, item):
    """The sessions or participants behind one item's figure."""
    assessment = queries.get_assessment(assessment_id)
    unit = unit_of(assessment)
    found = next((e for i, e in unit_evidence(scale_of(assessment), assessment.format, unit,
                                              current_app.config["GOAL_REVIEW_DAYS"]) if i.number == item), None)
    if found is None:
        abort(404)
    kind = ROWS_ARE[found.measure]
    if kind == "sessions":
        sizes = session_sizes(unit)
        listed = db.session.execute(select(Session.id, Session.session_date, Team.name, Session.module,
                                           Session.participant_id).join(Team, Team.id == Session.team_id)
                                    .where(Session.id.in_(list(sizes)))).all()
        order = (lambda r: (-sizes[r[0]], r[1])) if found.measure == "session_size" else (lambda r: (r[3] or 0, r[1]))
        listed = [(r[0], r[1], r[2], MODULES.get(r[3], "module not recorded"), "individual" if r[4] else "group",
                   sizes[r[0]], r[0] in found.rows) for r in sorted(listed, key=order)]
    else:
        listed = db.session.execute(select(Participant.client_code, Team.name).join(Team)
                                    .where(Participant.id.in_(list(found.rows))).order_by(Participant.client_code)).all()
    shown = scale_of(assessment).item(item)
    return render_template("fidelity/evidence_rows.html", assessment=assessment, item=shown, evidence=found,
                           figure=figure_text(found, shown.evidence.cutoffs), kind=kind, listed=listed,
                           window=unit.window)


@bp.route("/assessments/<int:assessment_id>/evidence-window", methods=["POST"])
@permission_required("fidelity.rate")
def window(assessment_id):
    """Change (or reset) the window of the visit's evidence panel."""
    assessment = get_visible_or_404(Assessment, assessment_id)
    try:
        start, end = _date(request.form.get("evidence_from"), "start"), _date(request.form.get("evidence_to"), "end")
        if request.form.get("action") == "reset":
            start = end = None
        set_window(assessment, start, end)
        flash("Evidence window saved.", "info")
    except FidelityError as e:
        flash(" ".join([str(e)] + e.problems), "error")
    return redirect(url_for("fidelity_visits.rate", assessment_id=assessment.id) + "#evidence")


def _date(text, which):
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FidelityError("The evidence window was not changed.",
                            [f"The window's {which} '{text}' is not a date (write it as 2026-03-02)."])


@api_bp.get("/fidelity/assessments/<int:assessment_id>/evidence")
@permission_required("fidelity.read_scores")
def evidence_json(assessment_id):
    assessment = queries.get_assessment(assessment_id)
    return jsonify(assessment_id=assessment.id, **panel_json(assessment, assessment.consensus_ratings()))
