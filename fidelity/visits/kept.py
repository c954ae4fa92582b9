"""Rating and consensus changes not saved yet, kept until the trainer can save them.

On the device: the rating and consensus pages' scripts (static/js/fidelity-kept.js) keep unsaved changes in
localStorage under Page.device_key, and signing out removes every key starting with DEVICE_PREFIX. A form finalised
or handed in has its copy removed by the next page shown (done_on_device). The scripts read the keys from the page
(the forms' data-keep-key, the sign-out form's data-clears and data-done), so a rename here reaches all of them.

On the server, for a page without JavaScript: a rating or consensus form sent after its sign-in ended (idle or past
its day) is kept for that trainer for SERVER_HOURS, and put back in the form when they open the same page again,
nothing saved until they press Save. Kept only when the form's security token was made for the sign-in that
ended: the trainer's own page, not another site's form. Not put back once anything the page shows has changed
since it was kept (the audit log records every change): Save would undo that change (a rating cleared on the
phone, ratings handed in, the other trainer's consensus).
"""
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app, flash, g, redirect, request, session, url_for
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
ITEM_FIELDS = r"(choice|note|was)_\d+$"  # an item's rating, note, and the stamp of what the page showed


def _rater_rows(assessment, user):
    """The rater's ratings and hand-in; None when the user no longer rates the visit."""
    rater = rater_for(assessment, user)
    if rater is None:
        return None
    return {"assessment_rater": [rater.id], "assessment_rating": [r.id for r in rater.ratings]}


def _visit_rows(assessment, user):
    """The visit (its recommendations, its status) and its consensus."""
    return {"assessment": [assessment.id], "assessment_consensus": [c.id for c in assessment.consensus]}


@dataclass(frozen=True)
class Page:
    """What sets the rating form and the consensus form apart where their work is kept."""

    name: str  # KeptRatingForm.page
    endpoint: str  # the view its form is sent to
    work: str  # what the trainer sent, in the messages
    fields: re.Pattern  # the names of the form's fields that are kept
    device_suffix: str  # ends the key of its copy on the device, after "<user>:<visit>"
    may_send: Callable  # (assessment, user) -> whether the user may send this form
    shown: Callable  # (assessment, user) -> {audited table: [row ids]} of what the page shows, or None

    def device_key(self, user, assessment):
        """Where the page's script keeps this user's unsaved work on this visit (the form's data-keep-key)."""
        return f"{DEVICE_PREFIX}{user.id}:{assessment.id}{self.device_suffix}"


RATE = Page("rate", "fidelity_visits.rate", "ratings", re.compile(ITEM_FIELDS), "",
            lambda a, u: rater_for(a, u) is not None, _rater_rows)
CONSENSUS = Page("consensus", "fidelity_consensus.consensus", "consensus changes",
                 re.compile(rf"{ITEM_FIELDS}|(was_)?recommendations$"), ":consensus",
                 lambda a, u: u.can("fidelity.rate"), _visit_rows)
PAGES = {page.endpoint: page for page in (RATE, CONSENSUS)}
DONE_ON_DEVICE = "kept_done_on_device"  # session key: the device copies the next page shown removes


def keep_sent_form():
    """Before the rating and consensus pages: a form sent without JavaScript after its sign-in ended is kept, not
    lost at the sign-in page."""
    page = PAGES.get(request.endpoint)
    if page is None or request.method != "POST" or current_user.is_authenticated:
        return None
    if not _keep(page, request.view_args["assessment_id"], request.form):
        return None  # the usual way: sign in, then the page
    flash(f"Your sign-in had ended, so your {page.work} were not saved. They are kept for you for {SERVER_HOURS} "
          f"hours: sign in and the page shows them again as you sent them, to save with Save.", "info")
    return redirect(url_for("auth.sign_in", next=request.path))


def put_back(page, assessment, user):
    """The fields of the form kept for this user from this page, saying so; None when none is, it expired, or
    anything the page shows changed after it was kept."""
    row = db.session.get(KeptRatingForm, (user.id, assessment.id))
    if row is None or row.page != page.name or row.kept_at < _oldest_kept():
        return None
    if _changed_since(page, assessment, user, row.kept_at):
        return None
    flash(f"Your {page.work} sent on {moment(row.kept_at)}, after your sign-in had ended, are back in the form as "
          f"you sent them: nothing is saved until you press Save.", "info")
    return row.fields


def forget(assessment, user):
    """The form was saved: what was kept is on record now (the caller commits)."""
    db.session.execute(delete(KeptRatingForm).where(KeptRatingForm.user_id == user.id,
                                                    KeptRatingForm.assessment_id == assessment.id))


def done_on_device(page, assessment, user):
    """The form is on record and its page takes no more changes (finalised, handed in): the next page shown removes
    the copy kept on the device, which would otherwise hold the notes until sign-out."""
    session[DONE_ON_DEVICE] = sorted({*session.get(DONE_ON_DEVICE, ()), page.device_key(user, assessment)})


def take_done_on_device():
    """The device keys the page being shown removes (sign-out.js), once."""
    return session.pop(DONE_ON_DEVICE, [])


def _keep(page, assessment_id, form) -> bool:
    """Keep a form sent with a sign-in that ended this request; True when kept (committed)."""
    ended = getattr(g, "ended_sign_in", None)
    if not ended or not _made_for(ended, form.get(csrf_field())):
        return False
    user = db.session.get(User, int(ended["user"])) if str(ended.get("user") or "").isdigit() else None
    assessment = db.session.get(Assessment, assessment_id)
    if user is None or not user.active or user.session_version != ended.get("version") or assessment is None:
        return False
    if not page.may_send(assessment, user):
        return False
    fields = {name: value for name, value in form.items() if page.fields.match(name)}
    db.session.execute(delete(KeptRatingForm).where(KeptRatingForm.kept_at < _oldest_kept()))
    db.session.merge(KeptRatingForm(user_id=user.id, assessment_id=assessment.id, page=page.name, fields=fields,
                                    kept_at=datetime.utcnow()))
    db.session.commit()
    return True


def _changed_since(page, assessment, user, kept_at) -> bool:
    """Whether the audit log records a change, after kept_at, to a row the page shows (Page.shown)."""
    shown = page.shown(assessment, user)
    if shown is None:
        return True
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
