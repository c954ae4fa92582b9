"""Who may import where, and what import lists people see: one place for the pages and the API."""
from datetime import datetime

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import select, update

from auth.access import get_visible_or_404, scope_to_agencies
from auth.permissions import has_permission
from date_text import iso_moment
from errors import bad_request
from extensions import db
from imports import operations
from imports.kinds.declarations import KINDS
from imports.models import ImportBatch
from imports.running import background, locked_progress
from models import Agency, Team
from security.parsing import whole_number

# Holding any of these lets one upload; each kind names the one it needs (Kind.permission).
UPLOAD_PERMISSIONS = tuple(sorted({kind.permission for kind in KINDS.values()}))


def can_upload(user=None) -> bool:
    user = user or current_user
    return any(has_permission(user, name) for name in UPLOAD_PERMISSIONS)


def may_import(kind_key, user=None) -> bool:
    """Whether this user may import this kind (Kind.permission)."""
    user = user or current_user
    return kind_key in KINDS and has_permission(user, KINDS[kind_key].permission)


def upload_agency(value):
    """The agency the current user imports into: their own (naming another answers 404); state staff choose."""
    if not current_user.can("agencies.read_all"):
        if value not in (None, "", str(current_user.agency_id), current_user.agency.code):
            abort(404)
        return current_user.agency
    if not value:
        raise bad_request("Choose the agency the file belongs to.")
    agency = db.session.scalar(select(Agency).where((Agency.code == value) |
                                                    (Agency.id == (int(value) if value.isdigit() else -1))))
    if agency is None:
        abort(404)
    return agency


def receive(file, kind, agency_value, dry_run=False, commit=False, options=None):
    """Record an uploaded file for checking (and writing, if `commit`); returns the batch.

    `options` are the uploader's choices besides the file, kept in batch.options, e.g. {"team_id": 5} (see
    upload_options). The batch waits in its row for an import worker (or runs now in tests: background.py).
    """
    if kind not in KINDS:
        raise bad_request(f"Choose what the file holds: one of {', '.join(KINDS)}.")
    if not may_import(kind):
        abort(403)
    agency = upload_agency(agency_value)
    if file is None or not file.filename:
        raise bad_request("Choose an Excel workbook (.xlsx) or a CSV file (.csv) to upload.")
    data = file.read()
    if not data:
        raise bad_request("The uploaded file is empty.")
    commit = commit and not dry_run
    actor = (current_user.id, current_user.email)
    options = upload_options(agency, kind, options)
    if commit:
        options["commit_by"] = list(actor)  # for the audit log: the worker has no request to ask
    batch = operations.create_batch(agency, kind, file.filename, data, user=current_user, dry_run=dry_run,
                                    options=options, status="committing" if commit else "queued")
    background.start(current_app._get_current_object(), batch.id, commit, actor)
    return db.session.get(ImportBatch, batch.id)


def upload_options(agency, kind, options):
    """The uploader's choices, checked: a grid's team (form field team_id) must be a team of the agency."""
    options = dict(options or {})
    team_id = options.pop("team_id", None)
    if team_id not in (None, "") and KINDS[kind].layout == "grid":
        try:
            team = db.session.get(Team, whole_number(str(team_id)))
        except ValueError:
            team = None
        if team is None or team.program.agency_id != agency.id:
            raise bad_request(f"Choose a team of {agency.name} for the grid (team {team_id} is not one of its teams).")
        options["team_id"] = team.id
    return options


def start_commit(batch):
    """Queue a checked import to be written; False when it is not (or no longer) ready.

    Who asked is kept in options["commit_by"] for the audit log: the worker has no request to ask.
    """
    if not may_import(batch.kind):
        abort(403)
    actor = (current_user.id, current_user.email)
    options = {**(batch.options or {}), "commit_by": list(actor)}
    claimed = db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "checked",
                                                           ImportBatch.dry_run.is_(False))
                                 .values(status="committing", phase="waiting to start", percent=0, claimed_by=None,
                                         attempts=0, heartbeat_at=datetime.utcnow(), options=options))
    db.session.commit()
    if claimed.rowcount != 1:
        return False
    background.start(current_app._get_current_object(), batch.id, True, actor)
    return True


def readable_kinds(user=None) -> list:
    """The kinds whose imports this user may see (Kind.read_permission): clerks see no fidelity ratings."""
    user = user or current_user
    return [key for key, kind in KINDS.items() if has_permission(user, kind.read_permission)]


def visible_batch_or_404(batch_id):
    """A batch the current user may see: of a visible agency and a kind they may read, else 404."""
    batch = get_visible_or_404(ImportBatch, batch_id)
    if batch.kind not in readable_kinds():
        abort(404)
    return locked_progress.apply(batch, current_app.instance_path)


def importable_batch_or_404(batch_id):
    """A batch the current user may see (else 404) and act on: commit, discard (else 403, Kind.permission)."""
    batch = visible_batch_or_404(batch_id)
    if not may_import(batch.kind):
        abort(403)
    return batch


def visible_batches(agency_id=None, limit=100):
    stmt = scope_to_agencies(select(ImportBatch).where(ImportBatch.kind.in_(readable_kinds()))
                             .order_by(ImportBatch.id.desc()), ImportBatch.agency_id)
    if agency_id:
        stmt = stmt.where(ImportBatch.agency_id == agency_id)
    return [locked_progress.apply(b, current_app.instance_path) for b in db.session.scalars(stmt.limit(limit))]


def batch_json(batch, problems=None):
    data = {"id": batch.id, "agency": batch.agency.code, "kind": batch.kind, "filename": batch.filename,
            "file_sha256": batch.file_hash, "file_size": batch.file_size, "by": batch.actor,
            "created_at": iso_moment(batch.created_at), "dry_run": batch.dry_run,
            "status": batch.shown_status, "running": batch.running, "phase": batch.phase, "percent": batch.percent,
            "waiting_for_worker": batch.waiting_for_worker,
            "counts": batch.counts, "errors": batch.errors, "warnings": batch.warnings, "message": batch.message,
            "finished_at": iso_moment(batch.finished_at),
            "team_ids": batch.team_ids or []}
    if problems is not None:
        data["problems"] = [{"severity": p.severity, "sheet": p.sheet, "row": p.sheet_row, "column": p.sheet_column,
                             "value": p.value, "rule": p.rule, "message": p.message} for p in problems]
    return data
