"""Sign-in and sign-out pages."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from auth import throttle
from auth.access import get_by_id
from auth.forms import SignInForm
from extensions import db, login_manager
from models import User

bp = Blueprint("auth", __name__, template_folder="templates")
SIGNED_IN_AT = "signed_in_at"  # in the session: when its user signed in (seconds since the epoch)


@login_manager.user_loader
def load_user(user_id):
    try:
        return get_by_id(User, int(user_id))
    except (TypeError, ValueError):
        return None


@bp.before_app_request
def end_a_sign_in_after_its_day():
    """A sign-in lasts PERMANENT_SESSION_LIFETIME from signing in, however the session was used since.

    The cookie's own age is not enough: Flask signs it again whenever the session changes (a flashed
    message, a CSRF token), which would start the day over.
    """
    started = session.get(SIGNED_IN_AT)
    if started is not None and time.time() - started > current_app.permanent_session_lifetime.total_seconds():
        logout_user()
        session.clear()


def _safe_next(target):
    # Only follow a relative path on this site: no open redirects.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("org.overview")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("org.overview"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        minutes = current_app.config["SIGNIN_WINDOW_SECONDS"] // 60
        if throttle.is_throttled(email):
            flash(f"Too many failed sign-ins for this address. Wait {minutes} minutes and try again.", "error")
            status = 429
        else:
            user = db.session.scalar(select(User).where(User.email == email))
            if user and user.active and user.check_password(form.password.data):
                throttle.clear_failures(email)
                db.session.commit()
                session.clear()  # a fresh session on sign-in: no fixation
                session.permanent = True
                login_user(user)
                session[SIGNED_IN_AT] = int(time.time())
                return redirect(_safe_next(request.args.get("next")))
            throttle.record_failure(email)
            # The same words for an unknown address and a wrong password: do not reveal which accounts exist.
            flash("That email and password do not match an active account.", "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))
