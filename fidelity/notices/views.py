"""Opening a visit's notice marks it read and leads to the visit or report; the menu shows the unread count."""
from flask import Blueprint, g, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from auth.permissions import permission_required
from extensions import db
from fidelity.models import Notice
from ops.faults import writes_on_get
from scheduling.models import unread_count as unread_of
from scheduling.operations import mark_read
from scheduling.views import own_notification_or_404

bp = Blueprint("fidelity_notices", __name__, url_prefix="/notices")


@bp.route("/<int:notification_id>/open")
@writes_on_get
@permission_required("account.use")
def open_notice(notification_id):
    note = own_notification_or_404(notification_id)  # only one's own: 404 otherwise
    mark_read(note)
    notice = db.session.scalar(select(Notice).where(Notice.notification_id == note.id))
    if notice is None:
        return redirect(url_for("scheduling.notifications"))
    endpoint = "fidelity_reports.report" if notice.key.startswith(("final", "amended")) else \
        "fidelity_visits.assessment"
    return redirect(url_for(endpoint, assessment_id=notice.assessment_id))


@bp.app_context_processor
def unread_count():
    """The signed-in user's unread notifications, for the menu: as read with the user at the start of the request
    (auth.sessions.load_user; a request that marks one read redirects), or read now when the user signed in during
    this request."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    count = g.get("unread_notifications")
    return {"unread_notifications": db.session.scalar(select(unread_of(current_user.id))) if count is None
            else count}
