"""Admin pages: lists, one create/edit page per kind, and the audit log."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from admin.forms import AgencyForm, ProgramForm, TeamForm, UserForm
from admin.operations import OperationError, save, save_user
from auth import sessions, two_factor
from auth.permissions import permission_required
from extensions import db
from models import Agency, AuditLog, Program, Team, User
from models.audit import record
from security.parsing import whole_number

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

# kind in the URL -> (model, form, fields the form edits)
KINDS = {
    "agencies": (Agency, AgencyForm, ("code", "name", "kind", "date_order", "keep_goal_wording")),
    "programs": (Program, ProgramForm, ("agency_id", "name", "setting", "engagement_target", "active")),
    "teams": (Team, TeamForm, ("program_id", "name", "format", "active")),
    "users": (User, UserForm, ("email", "role", "agency_id", "active")),
}


def _program_stays(program, values):
    """A program stays with its agency: its participants keep theirs (client codes are unique per agency), so the
    other agency's staff would read them on its pages. (A team is offered only its agency's programs.)"""
    if values["agency_id"] != program.agency_id:
        raise OperationError(f"A program stays with its agency ({program.agency.name}): its participants, sessions "
                             "and visits belong to it. Create a new one in the other agency instead.")


# kind -> a check of an existing row's new values before it is saved
CHECKS = {"programs": _program_stays}


def _fill_choices(form, obj):
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    if hasattr(form, "agency_id"):
        choices = [(a.id, f"{a.name} ({a.code})") for a in agencies]
        form.agency_id.choices = ([(0, "None (state staff)")] if isinstance(form, UserForm) else []) + choices
    if hasattr(form, "program_id"):
        programs = select(Program).order_by(Program.name)
        if obj.id is not None:  # a team stays with its agency (see _program_stays): its programs only
            programs = programs.where(Program.agency_id == obj.program.agency_id)
        form.program_id.choices = [(p.id, f"{p.agency.code} · {p.name}") for p in db.session.scalars(programs)]


def _values(form, fields):
    values = {name: getattr(form, name).data for name in fields}
    for name in ("email", "code", "name"):
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    if "email" in values:
        values["email"] = values["email"].lower()
    if "engagement_target" in values and values["engagement_target"] is not None:
        values["engagement_target"] = float(values["engagement_target"])
    if values.get("date_order") == "":
        values["date_order"] = None
    return values


@bp.route("/")
@permission_required("admin.manage")
def index():
    return render_template("admin/index.html",
                           agencies=db.session.scalars(select(Agency).order_by(Agency.name)).all(),
                           programs=db.session.scalars(select(Program).order_by(Program.name)).all(),
                           teams=db.session.scalars(select(Team).order_by(Team.name)).all(),
                           users=db.session.scalars(select(User).order_by(User.email)).all())


@bp.route("/<kind>/new", methods=["GET", "POST"], defaults={"object_id": None})
@bp.route("/<kind>/<int:object_id>/edit", methods=["GET", "POST"])
@permission_required("admin.manage")
def edit(kind, object_id):
    if kind not in KINDS:
        abort(404)
    model, form_class, fields = KINDS[kind]
    obj = model() if object_id is None else db.session.get(model, object_id)
    if obj is None:
        abort(404)
    form = form_class(obj=obj if object_id else None)
    if request.method == "GET" and isinstance(form, UserForm) and obj.agency_id is None:
        form.agency_id.data = 0
    _fill_choices(form, obj)
    status = 200
    if form.validate_on_submit():
        try:
            values = _values(form, fields)
            if obj.id is not None and kind in CHECKS:
                CHECKS[kind](obj, values)
            if model is User:
                save_user(obj, values, form.password.data or None, keep_this_one=obj.id == current_user.id)
            else:
                save(obj, values)
            flash(f"Saved {kind[:-1]} {obj}.", "info")
            return redirect(url_for("admin.index"))
        except OperationError as e:
            flash(str(e), "error")
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("admin/edit.html", form=form, kind=kind, obj=obj, creating=object_id is None), status


@bp.post("/users/<int:user_id>/sign-out-everywhere")
@permission_required("admin.manage")
def sign_out_everywhere(user_id):
    """End every session of a user at once (a lost laptop, a copied cookie)."""
    user = db.session.get(User, user_id) or abort(404)
    record("sign out everywhere", "app_user", user.id, user.agency_id)
    sessions.end_all(user, keep_this_one=user.id == current_user.id)
    flash(f"Every session of {user.email} has ended.", "info")
    return redirect(url_for("admin.edit", kind="users", object_id=user.id))


@bp.post("/users/<int:user_id>/reset-two-factor")
@permission_required("admin.manage")
def reset_two_factor(user_id):
    """Remove a user's second factor (a lost phone): they set it up again at their next sign-in."""
    user = db.session.get(User, user_id) or abort(404)
    record("reset two-factor", "app_user", user.id, user.agency_id)
    two_factor.disable(user)
    sessions.end_all(user, keep_this_one=user.id == current_user.id)
    flash(f"Two-factor sign-in of {user.email} is reset and their sessions have ended; "
          + ("they must set it up again when they next sign in." if two_factor.required_for(user)
             else "they may set it up again on their account page."), "info")
    return redirect(url_for("admin.edit", kind="users", object_id=user.id))


@bp.route("/audit")
@permission_required("admin.audit")
def audit():
    page = max(request.args.get("page", 1, type=whole_number), 1)
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    entity = request.args.get("entity")
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    rows = db.session.scalars(stmt.limit(100).offset((page - 1) * 100)).all()
    return render_template("admin/audit.html", rows=rows, page=page, entity=entity)
