"""Pages: the visits due across the state, a program's policy, and each user's notifications."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from auth.access import get_visible_or_404
from auth.permissions import permission_required
from date_text import day
from fidelity.scales import catalog
from extensions import db
import local_day
from models import Program
from org import queries as org_queries
from scheduling import queries
from scheduling.facts import INACTIVE
from scheduling.due_dates import POLICY_FIELDS, UPCOMING_DAYS, describe_status
from scheduling.due_file import HEADER, due_file
from scheduling.forms import PolicyForm
from scheduling.models import Notification
from scheduling.operations import PolicyError, mark_all_read, mark_read, save_policy
from security.parsing import whole_number
from spreadsheets.export import file_response, requested_kind

bp = Blueprint("scheduling", __name__, template_folder="templates")
START_VISIT = "fidelity_visits.new_assessment"  # the fidelity feature's "new assessment" page, when installed
ASSESSMENT_PAGE = "fidelity_visits.assessment"  # one assessment, by assessment_id


def due_filters(args):
    """(agency id, trainer filter, include later) from query arguments; unreadable values mean 'all'."""
    trainer = args.get("trainer", "")
    trainer = "none" if trainer == "none" else args.get("trainer", type=whole_number)
    return args.get("agency", type=whole_number), trainer, args.get("show") == "all"


def _url_or_none(endpoint, **values):
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:  # the endpoint exists with other arguments than we guessed
        return None


def start_visit_url(row, today):
    """Where 'Start this visit' leads: a new IMR Fidelity assessment for the program (or the team whose visit is
    due), dated for the visit."""
    visit_date = max(row.next.due_date, today)
    team = {"team_id": row.next.team_id} if row.next.team_id else {}
    return _url_or_none(START_VISIT, program_id=row.program.id, **team, scale_key=queries.scale_key(),
                        visit_date=visit_date.isoformat())


@bp.route("/visits-due")
@permission_required("scheduling.read_due")
def due_list():
    today = local_day.today()
    agency_id, trainer, include_later = due_filters(request.args)
    rows = queries.visible_due_rows(today, agency_id, trainer, include_later)
    # Only raters get links into the rating pages (rows carry visits in progress only for who may see them).
    rates = current_user.can("fidelity.rate")
    links = {r.program.id: {"start": start_visit_url(r, today) if rates and r.in_progress is None else None,
                            "in_progress": _url_or_none(ASSESSMENT_PAGE, assessment_id=r.in_progress.id)
                            if rates and r.in_progress else None} for r in rows}
    return render_template("scheduling/due.html", rows=rows, today=today, links=links, columns=HEADER,
                           scope=queries.due_scope(current_user),
                           agencies=org_queries.visible_agencies(), trainers=queries.trainers(),
                           agency_id=agency_id, trainer=trainer, include_later=include_later,
                           describe_status=describe_status, last_run=queries.last_run(), upcoming_days=UPCOMING_DAYS)


@bp.route("/visits-due/download")
@permission_required("scheduling.read_due")
def due_download():
    """The due list with the page's filters as CSV or .xlsx (?file=csv|xlsx)."""
    kind = requested_kind(request.args)
    today = local_day.today()
    agency_id, trainer, include_later = due_filters(request.args)
    rows = queries.visible_due_rows(today, agency_id, trainer, include_later)
    scope = queries.due_scope(current_user) + (", filtered" if agency_id or trainer else "")
    body = due_file(kind, rows, today, scope, include_later, queries.last_run(), current_user)
    return file_response(kind, body, f"visits-due-{today.isoformat()}")


@bp.route("/programs/<int:program_id>/reassessment-policy", methods=["GET", "POST"])
@permission_required("scheduling.manage")
def edit_policy(program_id):
    program = get_visible_or_404(Program, program_id)
    today = local_day.today()
    row = queries.due_row(program, today, current_user)
    form = PolicyForm()
    form.trainer_id.choices = [("0", "Not assigned")] + [(str(u.id), u.email) for u in queries.trainers()]
    if request.method == "GET":
        for name, _label, _smallest in POLICY_FIELDS:
            getattr(form, name).data = str(getattr(row.policy, name))
        form.trainer_id.data = str(row.trainer.id) if row.trainer else "0"
    status = 200
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name, _l, _s in POLICY_FIELDS}
        try:
            save_policy(program, {**values, "trainer_id": form.trainer_id.data})
        except PolicyError as e:
            for name, message in e.problems.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
            flash("The policy was not saved: " + " ".join(e.problems.values()), "error")
            status = 400
        else:
            if row.scheduled:
                new = queries.due_row(program, today, current_user).next
                flash(f"Policy saved. The next visit of {program.name} is due on {day(new.due_date)} "
                      f"({describe_status(new.due_date, today)}).", "info")
            else:
                flash(f"Policy saved. {INACTIVE}", "info")
            return redirect(url_for("org.program", program_id=program.id))
    elif request.method == "POST":
        status = 400
    visits = queries.final_visits([program.id])[program.id]
    return render_template("scheduling/policy.html", program=program, form=form, row=row, today=today,
                           visits=list(reversed(visits)), describe_status=describe_status, inactive=INACTIVE,
                           scale=catalog.get_scale(queries.scale_key())), status


@bp.route("/notifications")
@permission_required("account.use")
def notifications():
    items = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                                         Notification.id.desc()).limit(200)).all()
    unread = sum(1 for n in items if n.read_at is None)
    return render_template("scheduling/notifications.html", items=items, unread=unread)


def own_notification_or_404(notification_id):
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    return note


@bp.post("/notifications/<int:notification_id>/read")
@permission_required("account.use")
def read_notification(notification_id):
    mark_read(own_notification_or_404(notification_id))
    return redirect(url_for("scheduling.notifications"))


@bp.post("/notifications/read-all")
@permission_required("account.use")
def read_all_notifications():
    count = mark_all_read(current_user)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read.", "info")
    return redirect(url_for("scheduling.notifications"))
