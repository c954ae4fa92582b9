"""A user's own account page: change the password, set up or remove two-factor sign-in, new recovery codes."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from auth import passwords, sessions, throttle, two_factor
from auth.forms import CodeForm, EnrolForm, PasswordChangeForm
from auth.permissions import permission_required
from auth.totp_at_rest import seal_pending, unseal_pending
from extensions import db
from models.audit import record

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")
ENROL_SECRET = "enrol_totp_secret"  # the secret being set up (sealed), until a code from the app confirms it
ENROL_SECONDS = 30 * 60  # then a new one is shown: a key seen once on a screen is not good for ever


def _page(status=200, **forms):
    forms.setdefault("password_form", PasswordChangeForm())
    forms.setdefault("code_form", CodeForm())
    return render_template("auth/account.html", required=two_factor.required_for(current_user),
                           codes_left=two_factor.recovery_codes_left(current_user),
                           unreadable=two_factor.unreadable(current_user), **forms), status


def _refuse_code(form, why):
    """None when the form holds a current code from the user's app, else the page saying why (or how long to wait).

    Wrong codes count under the sign-in code step's key: a session left open gets no faster guessing here.
    """
    if form.validate_on_submit():
        code_key = throttle.key("code", current_user.id)
        wait = throttle.attempt(code_key)
        if wait:
            throttle.flash_wait(wait, "wrong codes")
            return _page(429, code_form=form)
        if two_factor.use_code(current_user, form.code.data):
            throttle.succeeded(code_key)
            return None
    flash(two_factor.KEY_CHANGED if two_factor.unreadable(current_user) else why, "error")
    return _page(400, code_form=form)


@bp.route("/")
@permission_required("account.use")
def index():
    return _page()


@bp.post("/password")
@permission_required("account.use")
def password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _page(400, password_form=form)
    # A key of its own: under the account's sign-in key, strangers' failed sign-ins would make the owner wait.
    own_key = throttle.key("password-change", current_user.id)
    wait = throttle.attempt(own_key)
    if wait:
        throttle.flash_wait(wait, "wrong passwords")
        return _page(429, password_form=form)
    if not current_user.check_password(form.current.data):
        form.current.errors = [*form.current.errors, "That is not your current password."]
        return _page(400, password_form=form)
    throttle.succeeded(own_key)
    problem = passwords.password_problem(form.new.data, current_user.email)
    if problem:
        form.new.errors = [*form.new.errors, problem]
        return _page(400, password_form=form)
    current_user.set_password(form.new.data)
    record("change password", "app_user", current_user.id, current_user.agency_id)
    sessions.end_all(current_user, keep_this_one=True)
    flash(f"Password changed. {sessions.OTHERS_ENDED}", "info")
    return redirect(url_for("account.index"))


@bp.route("/two-factor", methods=["GET", "POST"])
@permission_required("account.use")
def enrol():
    # A secret this server's key cannot open may be replaced: its owner got here by a recovery code.
    if current_user.has_two_factor and not two_factor.unreadable(current_user):
        return redirect(url_for("account.index"))
    secret = unseal_pending(session.get(ENROL_SECRET), current_user.id, ENROL_SECONDS)
    expired = secret is None and ENROL_SECRET in session
    if secret is None:
        secret = two_factor.new_secret()
        session[ENROL_SECRET] = seal_pending(secret, current_user.id)
    form = EnrolForm()
    status = 200
    if form.validate_on_submit() and not expired:
        step = two_factor.matching_step(secret, form.code.data)
        if step is not None:
            codes = two_factor.enable(current_user, secret, step)
            sessions.end_all(current_user, keep_this_one=True)
            session.pop(ENROL_SECRET, None)
            return render_template("auth/recovery_codes.html", codes=codes, first=True,
                                   others_ended=sessions.OTHERS_ENDED)
        form.code.errors = [*form.code.errors, "That code does not match: check the phone's clock and type the "
                                               "code the app shows now."]
        status = 400
    elif request.method == "POST":
        if expired:
            # Said of any key this server no longer opens: one too old, another user's, or one under a rotated key.
            form.code.errors = [f"The key shown before is no longer valid (keys last {ENROL_SECONDS // 60} "
                                "minutes): add this new one to your app and type the code it shows."]
        status = 400
    uri = two_factor.provisioning_uri(secret, current_user.email)
    return render_template("auth/enrol.html", form=form, uri=uri, secret=secret, qr=two_factor.qr_svg(uri),
                           required=two_factor.required_for(current_user)), status


@bp.post("/two-factor/recovery-codes")
@permission_required("account.use")
def new_recovery_codes():
    form = CodeForm()
    if not current_user.has_two_factor:
        return redirect(url_for("account.enrol"))
    refused = _refuse_code(form, "New recovery codes need a current code from your authenticator app.")
    if refused:
        return refused
    codes = two_factor.new_recovery_codes(current_user)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, first=False)


@bp.post("/two-factor/remove")
@permission_required("account.use")
def remove_two_factor():
    form = CodeForm()
    if two_factor.required_for(current_user):
        flash("Your role needs two-factor sign-in; an administrator can reset it if you lost your phone.", "error")
        return _page(403)
    refused = _refuse_code(form, "Removing two-factor sign-in needs a current code from your authenticator app.")
    if refused:
        return refused
    two_factor.disable(current_user)
    record("remove two-factor", "app_user", current_user.id, current_user.agency_id)
    sessions.end_all(current_user, keep_this_one=True)
    flash(f"Two-factor sign-in is off for your account. {sessions.OTHERS_ENDED}", "info")
    return redirect(url_for("account.index"))
