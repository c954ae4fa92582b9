"""Sessions that end: after 8 hours from signing in, after 30 idle minutes, or when the user's version moves.

The session cookie carries the user's session_version from the moment of signing in; each request loads the
user and compares it. Raising the version in the database (sign-out, a password change or reset, deactivation,
an admin's "sign out everywhere", turning the second factor on or off or an admin's reset of it) ends every
session of that user at once, copied cookies included; end_all and end_all_at_commit are the only ways.
"""
import time
from functools import cache

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from auth import subjects
from extensions import db, login_manager
from models import User
from scheduling.models import unread_count

SIGNED_IN_AT = "signed_in_at"  # when its user signed in (seconds since the epoch)
LAST_SEEN = "last_seen"  # the last request, to the minute
VERSION = "session_version"
SEEN_GRANULARITY = 60  # seconds: re-signing the cookie on every click would buy nothing


def csrf_field() -> str:
    """The name of the security token: its form field and its session key (flask_wtf sets the default)."""
    return current_app.config["WTF_CSRF_FIELD_NAME"]


@login_manager.user_loader
def load_user(user_id):
    try:
        params = {"id": int(user_id)}
    except (TypeError, ValueError):
        return None
    subject, subject_id = subjects.of_request() or (None, None)
    # The page's subject (auth/subjects.py) comes in the same statement; without one, "subject" binds nothing.
    found = db.session.execute(_signed_in_user(subject), {**params, "subject": subject_id}).one_or_none()
    if found is not None and subject is not None:
        subjects.found(subject, subject_id, found[2])
    user, g.unread_notifications = found[:2] if found else (None, None)
    if user is None or not user.active or session.get(VERSION) != user.session_version:
        return None
    return user


@cache
def _signed_in_user(subject):
    """The user of a request (read anew on every request: deactivation and sign-outs count at once), with their
    agency and the unread notifications the menu counts: one statement where a page sent two or three. With a
    subject (auth/subjects.py), the object the page's URL names too, or None when there is none."""
    stmt = select(User, unread_count(User.id)).options(joinedload(User.agency))
    if subject is not None:
        key = subject.model.__mapper__.primary_key[0]
        stmt = (stmt.add_columns(subject.model).outerjoin(subject.model, key == bindparam("subject"))
                .options(*subject.options))
    return stmt.where(User.id == bindparam("id"))


def expire_old_sessions():
    """Sign out a session past its day or idle too long (before anything reads the user).

    The cookie's own age is not enough: Flask signs it again whenever the session changes (a flashed
    message, a CSRF token), which would start the day over.
    """
    started = session.get(SIGNED_IN_AT)
    if started is None:
        return
    now = time.time()
    seen = session.get(LAST_SEEN, started)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if now - started > current_app.permanent_session_lifetime.total_seconds() or now - seen > idle:
        # Whose sign-in this was, for this request only: a rating form it carried is kept for that trainer
        # (fidelity/visits/kept.py) rather than lost with the session.
        g.ended_sign_in = {"user": session.get("_user_id"), "version": session.get(VERSION),
                           "csrf": session.get(csrf_field())}
        logout_user()
        session.clear()
    elif now - seen >= SEEN_GRANULARITY:
        session[LAST_SEEN] = int(now)


def start(user) -> None:
    """Sign a user in on a fresh session (no fixation) tied to their current session version."""
    session.clear()
    session.permanent = True
    login_user(user)
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session[VERSION] = user.session_version


OTHERS_ENDED = "Every other session of yours has been signed out."


def end_all_at_commit(user) -> None:
    """Raise the user's session version in the current transaction: every session of theirs ends when it commits.

    An UPDATE that adds one, so two such changes at once both count.
    """
    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
                       .execution_options(synchronize_session=False))


def end_all(user, keep_this_one=False) -> None:
    """End every session of the user; with keep_this_one the current request's session goes on. Commits, together
    with what the caller changed first (a second factor, a password): the change and the sign-outs are one."""
    end_all_at_commit(user)
    db.session.commit()
    if keep_this_one:
        keep_this_session(user)


def keep_this_session(user) -> None:
    """Carry this request's session over to the user's new version (the one they are using stays signed in), once
    the change that raised it is committed."""
    db.session.refresh(user)  # the version the UPDATE raised (it left the loaded object as it was)
    session[VERSION] = user.session_version
