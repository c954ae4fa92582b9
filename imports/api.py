"""Imports as JSON under /api/v1: list, upload (multipart), progress, preview and problems, commit or discard, kinds."""
from dataclasses import asdict

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from api import API_PREFIX
from auth.permissions import permission_required
from errors import bad_request
from extensions import db
from imports import access
from imports.kinds.declarations import KINDS
from imports.models import ImportProblem
from imports.running import lifecycle
from imports.showing import preview
from security.parsing import whole_number

bp = Blueprint("api_imports", __name__, url_prefix=API_PREFIX)
TRUE = ("1", "true", "yes", "on")


@bp.get("/imports")
@permission_required("imports.read")
def imports():
    agency_id = request.args.get("agency_id", type=whole_number)
    return jsonify(imports=[{**access.batch_json(b), "status": lifecycle.shown_status(b)}
                            for b in access.visible_batches(agency_id)])


@bp.post("/imports")
@permission_required(*access.UPLOAD_PERMISSIONS)
def upload():
    """Multipart form: file, kind, agency (code or id; admins only), dry_run, commit (write if the check passes),
    team_id (a grid's team when the sheet has no Team row), ignore_columns (with commit: columns that match
    nothing may be left out; without it such a file stops at its preview)."""
    form = request.form
    options = {"team_id": form.get("team_id")}
    if form.get("ignore_columns", "").lower() in TRUE:
        options["ignore_columns"] = True
    batch = access.receive(request.files.get("file"), form.get("kind", ""), form.get("agency"),
                           dry_run=form.get("dry_run", "").lower() in TRUE,
                           commit=form.get("commit", "").lower() in TRUE, options=options)
    response = jsonify(imports=access.batch_json(batch))
    response.status_code = 202 if batch.running else 201
    response.headers["Location"] = url_for("api_imports.batch", batch_id=batch.id)
    return response


@bp.get("/imports/<int:batch_id>")
@permission_required("imports.read")
def batch(batch_id):
    """One import: progress, the preview's change lines (paged: page, per_page, action), problems (first N)."""
    batch = access.visible_batch_or_404(batch_id)
    action = request.args.get("action", "all")
    if action not in preview.CHANGE_FILTERS:
        raise bad_request(f"action must be one of {', '.join(preview.CHANGE_FILTERS)} (rejected rows are under "
                          "problems).")
    limit = min(max(request.args.get("problems", 100, type=whole_number), 0), 10_000)
    problems = db.session.scalars(select(ImportProblem).where(ImportProblem.batch_id == batch.id)
                                  .order_by(ImportProblem.id).limit(limit)).all()
    data = access.batch_json(batch, problems)
    data["status"] = lifecycle.shown_status(batch)
    data["unmatched_columns"] = lifecycle.unmatched_columns(batch)
    data["ignore_columns"] = lifecycle.columns_confirmed(batch)
    data["preview"] = None if batch.running else _preview(batch, action)
    return jsonify(imports=data)


def _preview(batch, action):
    found = preview.counts(batch)
    lines = preview.page(batch, action, request.args.get("page", 1, type=whole_number) or 1,
                         request.args.get("per_page", preview.PER_PAGE, type=whole_number) or preview.PER_PAGE, found=found)
    return {"counts": found, "action": action, "page": lines.number, "per_page": lines.per_page,
            "pages": lines.pages, "total": lines.total, "moved": lifecycle.moved_line(batch),
            "changes": [preview.change_json(c) for c in lines.lines],
            "download": url_for("imports.preview_workbook", batch_id=batch.id)}


@bp.post("/imports/<int:batch_id>/commit")
@permission_required(*access.UPLOAD_PERMISSIONS)
def commit(batch_id):
    """Commit a checked import; ignore_columns=true (form or JSON) confirms that unrecognised columns are ignored."""
    batch = access.importable_batch_or_404(batch_id)
    refusal = lifecycle.commit_refusal(batch, ignore_columns=_flag("ignore_columns"))
    if refusal:
        raise bad_request(refusal)
    if not access.start_commit(batch):
        raise bad_request(f"Import {batch.id} is not ready to commit: its status is {batch.shown_status}"
                          + (" (a dry run)" if batch.dry_run else "") + ".")
    db.session.expire_all()
    batch = access.visible_batch_or_404(batch_id)
    return jsonify(imports=access.batch_json(batch)), 202 if batch.running else 200


@bp.post("/imports/<int:batch_id>/discard")
@permission_required(*access.UPLOAD_PERMISSIONS)
def discard(batch_id):
    """Discard a checked import: it can then never be committed."""
    batch = access.importable_batch_or_404(batch_id)
    if not lifecycle.discard(batch, current_user):
        raise bad_request(f"Import {batch.id} cannot be discarded: its status is {lifecycle.shown_status(batch)}; "
                          "only a checked import can.")
    return jsonify(imports=access.batch_json(batch))


def _flag(name) -> bool:
    value = request.form.get(name)
    if value is None:
        body = request.get_json(silent=True)
        if body is not None and not isinstance(body, dict):  # JSON, but a list or a number: words, not a 500
            raise bad_request(f'Send a JSON object, with "{name}" as true or false if you give it.')
        value = (body or {}).get(name)
    return value is True or str(value).lower() in TRUE


@bp.get("/import-kinds")
@permission_required("imports.read")
def kinds():
    return jsonify(kinds=[{**{k: v for k, v in asdict(kind).items() if k != "columns"},
                           "columns": [{k: v for k, v in asdict(c).items() if v not in (None, (), {})}
                                       for c in kind.columns]} for kind in KINDS.values()])
