"""What may stop a checked import from being committed: discarded, expired, unconfirmed unknown columns.

A thin layer the pages and the API call. Discard and expiry only set the batch row's status (and audit a
discard); the check-time rules (plan digest, re-check at commit) live in operations.py.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from extensions import db
from imports import operations
from imports.models import ImportBatch

DEFAULT_EXPIRE_DAYS = 7


def expire_days() -> int:
    return int(current_app.config.get("IMPORT_CHECKED_EXPIRE_DAYS", DEFAULT_EXPIRE_DAYS))


def is_expired(batch, now=None) -> bool:
    """A checked import left unconfirmed longer than IMPORT_CHECKED_EXPIRE_DAYS (or already marked expired)."""
    if batch.status == "expired":
        return True
    checked_at = batch.finished_at or batch.created_at
    return batch.status == "checked" and (now or datetime.utcnow()) - checked_at > timedelta(days=expire_days())


def shown_status(batch) -> str:
    """The status people see: an overdue check reads "expired" before anything has marked it so."""
    return "expired" if is_expired(batch) else batch.shown_status


def unmatched_columns(batch) -> list:
    """Columns that hold data but match no column of the kind: [{sheet, column, header, samples}]."""
    return list((batch.counts or {}).get("unmatched_columns") or [])


def columns_confirmed(batch) -> bool:
    return bool((batch.options or {}).get("ignore_columns"))


def moved_line(batch) -> str | None:
    """The line saying what moved since the preview, when a commit was refused for it (shown above the preview)."""
    if batch.status != "checked" or not batch.message:
        return None
    if (batch.counts or {}).get("moved") or batch.message.startswith("Since this preview was made"):
        return batch.message
    return None


def _set_status(batch, status, message) -> bool:
    """Move a checked import to `status`; False when it is no longer checked (committed, discarded meanwhile)."""
    moved = db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "checked")
                               .values(status=status, message=message, phase="finished")
                               .execution_options(synchronize_session=False))
    return moved.rowcount == 1


def expire(batch) -> bool:
    """Mark an overdue checked import expired (committed here); True when it is expired now."""
    if batch.status == "expired":
        return True
    if not is_expired(batch):
        return False
    done = _set_status(batch, "expired", f"This check expired unconfirmed after {expire_days()} days: nothing was "
                                         "written. Upload the file again to check it against the data as it is now.")
    db.session.commit()
    db.session.refresh(batch)
    return done or batch.status == "expired"


def discard(batch, user) -> bool:
    """Discard a checked import for `user` (audited, committed by operations.discard); False when it was not checked."""
    done = operations.discard(batch.id, (user.id, user.email))
    db.session.refresh(batch)
    return done


def commit_refusal(batch, ignore_columns=False) -> str | None:
    """Why this import cannot be committed now, in plain words; None when it may go ahead.

    `ignore_columns` is the uploader's confirmation that unrecognised columns are to be ignored: it is kept
    in batch.options["ignore_columns"] (committed here) so that the commit and the record show it.
    """
    if batch.status == "discarded":
        return f"Import {batch.id} was discarded: it cannot be committed. Upload the file again to import it."
    if expire(batch):
        return (f"Import {batch.id} expired: it was checked more than {expire_days()} days ago and never committed, "
                "so the data may have moved since. Upload the file again to check it against the data as it is now.")
    if batch.dry_run:
        return f"Import {batch.id} is a dry run: it is only checked, never committed."
    if batch.status != "checked":
        return f"Import {batch.id} is not ready to commit: its status is {batch.shown_status}."
    columns = unmatched_columns(batch)
    if columns and not columns_confirmed(batch):
        if not ignore_columns:
            names = ", ".join(f"{c.get('column')} ({c.get('header')})" for c in columns)
            return (f"This file has {len(columns)} column{'s' if len(columns) != 1 else ''} the service does not "
                    f"recognise: {names}. Nothing in them would be written. Tick \"Ignore these columns\" to commit "
                    "without them, or rename their headers as in the template and upload the file again.")
        batch.options = {**(batch.options or {}), "ignore_columns": True}  # a new dict: JSON columns track assignment
        db.session.commit()
    return None
