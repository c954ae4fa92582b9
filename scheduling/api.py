"""Due reassessments, policies and notifications as JSON, with the pages' permissions."""
from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from api import API_PREFIX
from auth.access import get_visible_or_404
from auth.permissions import permission_required
from date_text import iso_moment
from errors import bad_request
from extensions import db
import local_day
from models import Program
from scheduling import queries
from scheduling.facts import INACTIVE
from scheduling.models import Notification
from scheduling.operations import PolicyError, mark_read, save_policy
from scheduling.views import due_filters, own_notification_or_404

bp = Blueprint("api_scheduling", __name__, url_prefix=API_PREFIX)


def due_json(row, today, user):
    """A program's next visit as JSON; the score and band that set it only for those who may read scores. An
    inactive program has none, as its page says (the due list leaves it out)."""
    basis = row.next.basis
    scores = user.can("fidelity.read_scores")
    set_by = None
    if basis is not None:
        set_by = {"assessment_id": basis.assessment_id, "visit_date": basis.visit_date.isoformat()}
    if set_by and scores:
        set_by.update(summary_score=basis.score, band=basis.band)
    if row.scheduled:
        when = {"due_date": row.next.due_date.isoformat(), "status": row.status,
                "days_until_due": (row.next.due_date - today).days, "kind": row.next.kind,
                "interval_months": row.next.interval_months, "explanation": row.next.explain(with_score=scores)}
    else:
        when = {"due_date": None, "status": "inactive", "days_until_due": None, "kind": None, "interval_months": None,
                "explanation": INACTIVE}
    return {
        "program": {"id": row.program.id, "name": row.program.name, "agency_code": row.program.agency.code},
        **when,
        "set_by": set_by,
        "policy": {"baseline_months": row.policy.baseline_months, "interval_months": row.policy.interval_months,
                   "high_interval_months": row.policy.high_interval_months, "default": not row.custom_policy},
        "trainer": row.trainer.email if row.trainer else None,
        "in_progress": None if row.in_progress is None else {
            "assessment_id": row.in_progress.id, "status": row.in_progress.status,
            "visit_date": row.in_progress.visit_date.isoformat()},
    }


@bp.get("/reassessments/due")
@permission_required("scheduling.read_due")
def due():
    today = local_day.today()
    rows = queries.visible_due_rows(today, *due_filters(request.args))
    return jsonify(today=today.isoformat(), visits=[due_json(r, today, current_user) for r in rows])


@bp.get("/programs/<int:program_id>/reassessment")
@permission_required("org.read")
def program_reassessment(program_id):
    today = local_day.today()
    row = queries.due_row(get_visible_or_404(Program, program_id), today, current_user)
    return jsonify(due_json(row, today, current_user))


@bp.route("/programs/<int:program_id>/reassessment-policy", methods=["PUT", "POST"])  # POST for simple clients
@permission_required("scheduling.manage")
def put_policy(program_id):
    program = get_visible_or_404(Program, program_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("Send a JSON object with baseline_months, interval_months, high_interval_months "
                          "and optionally trainer_id.")
    try:
        save_policy(program, body)
    except PolicyError as e:
        raise bad_request(" ".join(e.problems.values()))
    today = local_day.today()
    return jsonify(due_json(queries.due_row(program, today, current_user), today, current_user))


def notification_json(n):
    return {"id": n.id, "subject": n.subject, "body": n.body, "link": n.link,
            "created_at": iso_moment(n.created_at), "read": n.read_at is not None}


@bp.get("/notifications")
@permission_required("account.use")
def notifications():
    items = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(200)).all()
    return jsonify(notifications=[notification_json(n) for n in items])


@bp.post("/notifications/<int:notification_id>/read")
@permission_required("account.use")
def read_notification(notification_id):
    note = own_notification_or_404(notification_id)
    mark_read(note)
    return jsonify(notification_json(note))
