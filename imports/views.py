"""Import pages: the list and upload form, one import's check and progress, downloads, help and templates."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from auth.access import get_visible_or_404
from auth.permissions import permission_required
from date_text import moment
from errors import not_offered
from extensions import db
from imports import access, operations
from imports.kinds.declarations import ATTENDED_MARKS, CANCELLED_MARKS, KINDS
from imports.running import lifecycle
from imports.showing import preview
from models import Agency, Team
from org import queries
from security.parsing import whole_number
from spreadsheets.export import file_response
from spreadsheets.filetypes import describe, safe_stem
from spreadsheets.guard import download_type

bp = Blueprint("imports", __name__, url_prefix="/imports", template_folder="templates")

SHOWN_WARNINGS = 20  # above the preview; the Warnings filter pages through all of them


@bp.get("/")
@permission_required("imports.read")
def index():
    team = _team_from_query()
    agencies = queries.visible_agencies()
    return render_template("imports/index.html", kinds=KINDS, batches=access.visible_batches(),
                           agencies=agencies, can_upload=access.can_upload(), team=team,
                           grid_teams=queries.visible_teams() if access.can_upload() else [],
                           chosen_agency=team.program.agency_id if team else None)


@bp.post("/upload")
@permission_required(*access.UPLOAD_PERMISSIONS)
def upload():
    batch = access.receive(request.files.get("file"), request.form.get("kind", ""), request.form.get("agency"),
                           options={"team_id": request.form.get("team_id")})
    return redirect(url_for("imports.batch", batch_id=batch.id), code=303)


@bp.get("/<int:batch_id>")
@permission_required("imports.read")
def batch(batch_id):
    batch = access.visible_batch_or_404(batch_id)
    found = preview.counts(batch)
    action = request.args.get("action")
    action = action if action in preview.FILTERS else preview.default_filter(found)
    lines = preview.page(batch, action, request.args.get("page", 1, type=whole_number) or 1, clamp=True,
                         found=found)
    # Warnings stay in sight whatever is filtered: they are what the clerk should read before committing.
    warnings = preview.page(batch, "warnings", 1, SHOWN_WARNINGS).lines if found["warnings"] else []
    teams = db.session.scalars(select(Team).where(Team.id.in_(batch.team_ids or [])).order_by(Team.name)).all()
    return render_template("imports/batch.html", batch=batch, kind=KINDS[batch.kind], found=found, lines=lines,
                           warnings=warnings, shown_warnings=SHOWN_WARNINGS,
                           labels=preview.LABELS, filters=preview.FILTERS, teams=teams,
                           can_upload=access.may_import(batch.kind), previous=operations.previous_import(batch),
                           status=lifecycle.shown_status(batch), expire_days=lifecycle.expire_days(),
                           unmatched=lifecycle.unmatched_columns(batch),
                           confirmed=lifecycle.columns_confirmed(batch), moved=lifecycle.moved_line(batch))


@bp.post("/<int:batch_id>/commit")
@permission_required(*access.UPLOAD_PERMISSIONS)
def commit(batch_id):
    batch = access.importable_batch_or_404(batch_id)
    refusal = lifecycle.commit_refusal(batch, ignore_columns=request.form.get("ignore_columns") in ("1", "on", "true"))
    if refusal:
        flash(refusal, "error")
    elif not access.start_commit(batch):
        flash("This import is not ready to commit (it has problems, is running, or is already done).", "error")
    return redirect(url_for("imports.batch", batch_id=batch.id), code=303)


@bp.post("/<int:batch_id>/discard")
@permission_required(*access.UPLOAD_PERMISSIONS)
def discard(batch_id):
    batch = access.importable_batch_or_404(batch_id)
    if lifecycle.discard(batch, current_user):
        flash(f"Import #{batch.id} was discarded: nothing was written.", "info")
    else:
        flash(f"Import #{batch.id} cannot be discarded: its status is {lifecycle.shown_status(batch)}.", "error")
    return redirect(url_for("imports.batch", batch_id=batch.id), code=303)


@bp.get("/<int:batch_id>/preview.xlsx")
@permission_required("imports.read")
def preview_workbook(batch_id):
    batch = access.visible_batch_or_404(batch_id)
    data = preview.workbook(batch, _summary(batch))
    stem = safe_stem(batch.filename, "import")
    return file_response("xlsx", data, f"{stem}-preview-{batch.id}")


def _summary(batch):
    """The facts heading a downloaded preview: which import, what it holds, where it stands."""
    found = preview.counts(batch)
    return [("Import", f"#{batch.id}: {KINDS[batch.kind].title}"),
            ("Agency", f"{batch.agency.name} ({batch.agency.code})"), ("File", batch.filename),
            ("Uploaded", f"{moment(batch.created_at)} by {batch.actor}"),
            ("Status", lifecycle.shown_status(batch)), ("Outcome", batch.message or ""),
            *((preview.LABELS[k], found[k]) for k in preview.FILTERS)]


@bp.get("/<int:batch_id>/original")
@permission_required("imports.read")
def original(batch_id):
    batch = access.visible_batch_or_404(batch_id)
    data = batch.files.content
    found = download_type(data)  # what the file is, not what its name says
    if found is None:
        raise not_offered(f"The file uploaded as '{batch.filename[:80]}' is {describe(data)}, not a spreadsheet "
                          "the service reads, so it is not offered for download.")
    extension, mimetype = found
    return send_file(_bytes(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"{safe_stem(batch.filename, f'import-{batch.id}')}.{extension}")


@bp.get("/<int:batch_id>/problems.xlsx")
@permission_required("imports.read")
def problems(batch_id):
    batch = access.visible_batch_or_404(batch_id)
    from imports.showing.problems_workbook import problems_workbook  # openpyxl: loaded only when a workbook is written
    data = problems_workbook(batch)
    stem = safe_stem(batch.filename, f"import-{batch.id}")
    return file_response("xlsx", data, f"{stem}-problems")


@bp.get("/kinds/<import_kind>")
@permission_required("imports.read")
def kind_help(import_kind):
    kind = KINDS.get(import_kind) or abort(404)
    return render_template("imports/help.html", kind=kind, kinds=KINDS, marks=ATTENDED_MARKS,
                           cancelled=CANCELLED_MARKS)


@bp.get("/kinds/<import_kind>/template.xlsx")
@permission_required("imports.read")
def kind_template(import_kind):
    kind = KINDS.get(import_kind) or abort(404)
    team = _team_from_query()
    agency = team.program.agency if team else (current_user.agency or _agency_from_query())
    codes = [p.client_code for p in queries.team_participants(team.id) if p.end_date is None] if team else []
    from imports.showing.xlsx_templates import template_workbook  # openpyxl: loaded only when a workbook is written
    data = template_workbook(kind, agency=agency, team=team, client_codes=codes)
    return file_response("xlsx", data, f"{kind.key}-template" + (f"-{agency.code}" if agency else ""))


def _team_from_query():
    team_id = request.args.get("team_id", type=whole_number)
    return get_visible_or_404(Team, team_id) if team_id else None


def _agency_from_query():
    agency_id = request.args.get("agency_id", type=whole_number)
    return get_visible_or_404(Agency, agency_id) if agency_id else None


def _bytes(data):
    return io.BytesIO(data)
