"""Sign-in (password, then the second factor where the account has one) and sign-out."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from auth import devices, passwords, sessions, throttle, two_factor
from auth.access import get_by_id
from auth.forms import CodeForm, SignInForm
from errors import error_response
from extensions import db
from models import User
from security.headers import CACHEABLE_ENDPOINTS

bp = Blueprint("auth", __name__, template_folder="templates")
PENDING = "pending_second_factor"  # in the session between a good password and a good code
PENDING_SECONDS = 300
NO_MATCH = "That email and password do not match an active account."
# All an admin or trainer who must set up two-factor sign-in can open until they do: its page, sign-out, and the
# cacheable files, which read no user at all (on the sign-in page's anonymous session, Flask-Login's session
# protection answered the Plotly bundle, kept a year, with a Set-Cookie clearing its remember cookie).
ENROLMENT_ENDPOINTS = CACHEABLE_ENDPOINTS | {"account.enrol", "auth.sign_out"}


@bp.before_app_request
def end_expired_sessions():
    sessions.expire_old_sessions()


@bp.before_app_request
def require_second_factor_enrolment():
    """Admins and trainers without a second factor may only set one up (or sign out) when REQUIRE_2FA is on."""
    if (request.endpoint in ENROLMENT_ENDPOINTS
            or not current_user.is_authenticated or current_user.has_two_factor
            or not two_factor.required_for(current_user)):
        return None
    if request.path.startswith("/api/"):
        return error_response(403, "Set up two-factor sign-in on your account page before using the API.")
    flash("Your role needs two-factor sign-in: set it up to continue.", "info")
    return redirect(url_for("account.enrol"))


def _safe_next(target):
    # Only follow a relative path on this site: no open redirects.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("org.overview")


def _finish(user, next_url):
    """Start the session and remember this browser for the account."""
    sessions.start(user)
    response = redirect(_safe_next(next_url))
    devices.remember(response, user)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("org.overview"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        browser = devices.recognised(user)
        # The owner's browser counts apart from the account, so strangers' guesses never keep the owner out.
        own_key = throttle.key("browser", browser) if browser else throttle.key("account", email)
        address_key = throttle.key("address", request.remote_addr)
        wait = throttle.attempt(own_key, address_key)
        if wait:
            throttle.flash_wait(wait)
            status = 429
        elif passwords.check_sign_in(user, form.password.data) and user.active:
            throttle.succeeded(own_key, shared=(address_key,))
            if not user.has_two_factor:
                return _finish(user, request.args.get("next"))
            session.clear()
            session[PENDING] = {"user": user.id, "version": user.session_version, "at": int(time.time()),
                                "next": request.args.get("next")}
            return redirect(url_for("auth.second_factor"))
        else:
            # The same words, and the same time, for an unknown address and a wrong password.
            flash(NO_MATCH, "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/sign_in.html", form=form), status


def _pending_user():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = get_by_id(User, pending.get("user"))
    if user is None or not user.active or user.session_version != pending.get("version"):
        return None, None
    return user, pending


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor():
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Sign in with your password first (the code step lasts 5 minutes).", "info")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        code_key = throttle.key("code", user.id)
        address_key = throttle.key("address", request.remote_addr)
        wait = throttle.attempt(code_key, address_key)
        if wait:
            throttle.flash_wait(wait)
            status = 429
        elif two_factor.use_code(user, form.code.data) or two_factor.use_recovery_code(user, form.code.data):
            throttle.succeeded(code_key, shared=(address_key,))
            left = two_factor.recovery_codes_left(user)
            if two_factor.unreadable(user):  # in by a recovery code: set up a secret this server can read
                flash(two_factor.SET_UP_AGAIN, "info")
                return _finish(user, url_for("account.enrol"))
            response = _finish(user, pending.get("next"))
            if left <= 3:
                flash(f"{left} recovery codes left: make new ones on your account page.", "info")
            return response
        else:
            flash(two_factor.KEY_CHANGED if two_factor.unreadable(user) else
                  "That code is not right, or was used already. Codes change every 30 seconds.", "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/code.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out here and everywhere else: a copied cookie stops working too."""
    if current_user.is_authenticated:
        sessions.end_all(current_user)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))
