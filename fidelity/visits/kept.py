"""Rating and consensus changes not saved yet, kept until the trainer can save them.

On the device: the rating and consensus pages' scripts (static/js/fidelity-kept.js) keep unsaved changes in
localStorage under DEVICE_PREFIX + "<user>:<visit>" (+ ":consensus" for the consensus page), and signing out removes
every key with that prefix. They read it from the page (the forms' data-keep-key, the sign-out form's data-clears),
so a rename here reaches all of them.

On the server, for a page without JavaScript: a rating or consensus form sent after its sign-in ended (idle or past
its day) is kept for that trainer for SERVER_HOURS, and put back in the form when they open the same page again,
nothing saved until they press Save. Kept only when the form's security token was made for the sign-in that
ended: the trainer's own page, not another site's form. Not put back once anything the page shows has changed
since it was kept (the audit log records every change): Save would undo that change (a rating cleared on the
phone, ratings handed in, the other trainer's consensus).
"""
import hmac
import re
from datetime import datetime, timedelta

from flask import current_app, flash, g, redirect, request, url_for
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import and_, delete, or_, select

from auth.sessions import csrf_field
from date_text import moment
from extensions import db
from fidelity.models import Assessment, KeptRatingForm
from fidelity.queries import rater_for
from models import User
from models.audit import AuditLog

DEVICE_PREFIX = "imr-rating:"
SERVER_HOURS = 8  # a site-visit day, as long as a sign-in
PAGES = {"fidelity_visits.rate": "rate", "fidelity_consensus.consensus": "consensus"}  # endpoint: page kept
WORK = {"rate": "ratings", "consensus": "consensus changes"}  # what the trainer sent, in the messages
# What the forms show and the stamps of what they showed
FIELDS = re.compile(r"(choice|note|was)_\d+$|(was_)?recommendations$")


def keep_sent_form():
    """Before the rating and consensus pages: a form sent without JavaScript after its sign-in ended is kept, not
    lost at the sign-in page."""
    page = PAGES.get(request.endpoint)
    if page is None or request.method != "POST" or current_user.is_authenticated:
        return None
    if not _keep(page, request.view_args["assessment_id"], request.form):
        return None  # the usual way: sign in, then the page
    flash(f"Your sign-in had ended, so your {WORK[page]} were not saved. They are kept for you for {SERVER_HOURS} "
          f"hours: sign in and the page shows them again as you sent them, to save with Save.", "info")
    return redirect(url_for("auth.sign_in", next=request.path))


def put_back(page, assessment, user):
    """The fields of the form kept for this user from this page, saying so; None when none is, it expired, or
    anything the page shows changed after it was kept."""
    row = db.session.get(KeptRatingForm, (user.id, assessment.id))
    if row is None or row.page != page or row.kept_at < _oldest_kept():
        return None
    if _changed_since(page, assessment, user, row.kept_at):
        return None
    flash(f"Your {WORK[page]} sent on {moment(row.kept_at)}, after your sign-in had ended, are back in the form as "
          f"you sent them: nothing is saved until you press Save.", "info")
    return row.fields


def forget(assessment, user):
    """The form was saved: what was kept is on record now (the caller commits)."""
    db.session.execute(delete(KeptRatingForm).where(KeptRatingForm.user_id == user.id,
                                                    KeptRatingForm.assessment_id == assessment.id))


def _keep(page, assessment_id, form) -> bool:
    """Keep a form sent with a sign-in that ended this request; True when kept (committed)."""
    ended = getattr(g, "ended_sign_in", None)
    if not ended or not _made_for(ended, form.get(csrf_field())):
        return False
    user = db.session.get(User, int(ended["user"])) if str(ended.get("user") or "").isdigit() else None
    assessment = db.session.get(Assessment, assessment_id)
    if user is None or not user.active or user.session_version != ended.get("version") or assessment is None:
        return False
    if page == "rate":
        may_send = rater_for(assessment, user) is not None
    else:
        may_send = user.can("fidelity.rate")
    if not may_send:
        return False
    fields = {name: value for name, value in form.items() if FIELDS.match(name)}
    db.session.execute(delete(KeptRatingForm).where(KeptRatingForm.kept_at < _oldest_kept()))
    db.session.merge(KeptRatingForm(user_id=user.id, assessment_id=assessment.id, page=page, fields=fields,
                                    kept_at=datetime.utcnow()))
    db.session.commit()
    return True


def _changed_since(page, assessment, user, kept_at) -> bool:
    """Whether the audit log records a change, after kept_at, to a row the page shows: the rater's ratings and
    hand-in, or the visit (its recommendations, its status) and its consensus."""
    if page == "rate":
        rater = rater_for(assessment, user)
        if rater is None:
            return True
        shown = {"assessment_rater": [rater.id], "assessment_rating": [r.id for r in rater.ratings]}
    else:
        shown = {"assessment": [assessment.id], "assessment_consensus": [c.id for c in assessment.consensus]}
    rows = or_(*(and_(AuditLog.entity == entity, AuditLog.entity_id.in_(ids)) for entity, ids in shown.items() if ids))
    return db.session.scalar(select(AuditLog.id).where(rows, AuditLog.at > kept_at).limit(1)) is not None


def _made_for(ended, token) -> bool:
    """The token was made for the ended session. Its signer and salt copy flask_wtf.csrf.validate_csrf's, which
    cannot be used here: it reads the session's token, and the session was just cleared."""
    config = current_app.config
    signer = URLSafeTimedSerializer(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key,
                                    salt="wtf-csrf-token")
    try:
        raw = signer.loads(token or "", max_age=config.get("WTF_CSRF_TIME_LIMIT"))
    except BadData:
        return False
    return bool(ended.get("csrf")) and hmac.compare_digest(str(raw), str(ended["csrf"]))


def _oldest_kept():
    return datetime.utcnow() - timedelta(hours=SERVER_HOURS)
