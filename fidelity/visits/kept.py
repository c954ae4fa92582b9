"""Rating changes not saved yet, kept until the trainer can save them.

On the device: the rating page's script keeps unsaved changes in localStorage under DEVICE_PREFIX + "<user>:<visit>"
and signing out removes every key with that prefix. Both read it from the page (the rating form's data-keep-key,
the sign-out form's data-clears), so a rename here reaches both.

On the server, for a page without JavaScript: a rating form sent after its sign-in ended (idle or past its day) is
kept for that rater for SERVER_HOURS, and put back in the form when they open the rating page again, nothing saved
until they press Save. Kept only when the form's security token was made for the sign-in that ended: the trainer's
own page, not another site's form.
"""
import hmac
import re
from datetime import datetime, timedelta

from flask import current_app, g
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, select

from auth.sessions import csrf_field
from extensions import db
from fidelity.models import Assessment, KeptRatingForm, Rating
from fidelity.queries import rater_for
from models import User

DEVICE_PREFIX = "imr-rating:"
SERVER_HOURS = 8  # a site-visit day, as long as a sign-in
FIELDS = re.compile(r"(choice|note|was)_\d+$")  # what the form shows and the stamps of what it showed


def keep_after_sign_in_ended(assessment_id, form) -> bool:
    """Keep a rating form sent with a sign-in that ended this request; True when kept (committed)."""
    ended = getattr(g, "ended_sign_in", None)
    if not ended or not _made_for(ended, form.get(csrf_field())):
        return False
    user = db.session.get(User, int(ended["user"])) if str(ended.get("user") or "").isdigit() else None
    assessment = db.session.get(Assessment, assessment_id)
    if (user is None or not user.active or user.session_version != ended.get("version") or assessment is None
            or rater_for(assessment, user) is None):
        return False
    fields = {name: value for name, value in form.items() if FIELDS.match(name)}
    db.session.execute(delete(KeptRatingForm).where(KeptRatingForm.kept_at < _oldest_kept()))
    db.session.merge(KeptRatingForm(user_id=user.id, assessment_id=assessment.id, fields=fields,
                                    kept_at=datetime.utcnow()))
    db.session.commit()
    return True


def kept_form(assessment, rater):
    """(fields, kept_at) of the form kept for this rater, unless expired or older than a rating saved since."""
    row = db.session.get(KeptRatingForm, (rater.user_id, assessment.id))
    if row is None or row.kept_at < _oldest_kept():
        return None
    saved_since = db.session.scalar(select(Rating.id).where(Rating.rater_id == rater.id,
                                                            Rating.updated_at > row.kept_at).limit(1))
    return None if saved_since else (row.fields, row.kept_at)


def forget(assessment, rater):
    """The form was saved: what was kept is on record now (the caller commits)."""
    db.session.execute(delete(KeptRatingForm).where(KeptRatingForm.user_id == rater.user_id,
                                                    KeptRatingForm.assessment_id == assessment.id))


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
