"""The import flow: record the upload, check it, and commit it all or nothing.

`create_batch` records every upload (even refused ones). `run` reads and checks the stored file and, when
asked to commit and nothing is wrong, writes everything in one transaction together with the batch's new
status, its audit row and the engagement summaries it changes, so a crash at any point leaves the
database as it was. Progress is committed
to the batch row only while reading and checking (never inside the write transaction).

The preview is the truth: a check writes the plan as lines (ImportChange, imports/kinds/changes.py) and its
digest; a commit of a checked batch re-reads the file against the data as it is then and writes only if
its plan has the same digest. A direct check-and-commit (CLI, API commit=true) showed nobody a preview: it
writes no lines (the audit row records the commit and its counts), which keeps a 500k-row load's time.
"""
import contextvars
import gc
import hashlib
import logging
import tempfile
import time
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from date_text import moment
from extensions import db
from imports.kinds import changes, lookups
from imports.kinds.attendance_early import EarlyWrite
from imports.kinds.codes import CodeBook
from imports.kinds.declarations import KINDS
from imports.models import ImportBatch, ImportChange, ImportFile, ImportProblem
from imports.reading.cells import EPOCH_1904, EXCEL_EPOCH
from imports.reading.csv_workbook import CsvWorkbook, open_csv
from imports.reading.grid import POSITION as GRID_RECORD, read_grid
from imports.reading.problems import Report
from imports.reading.scanned_read import open_checked
from imports.reading.sheet_notes import WorkbookNotes
from imports.reading.upload_name import upload_name
from imports.reading.workbook import UnreadableWorkbook, read_rows, release_memory
from imports.running import timings
import local_day
from models import Agency
from models.audit import acting_as, record, set_actor
from signals import attendance_changed
from spreadsheets.filetypes import is_csv
from spreadsheets.guard import UnsafeWorkbook

log = logging.getLogger(__name__)

# Where the progress bar stands when each phase starts: reading and checking rows take most of the time.
READING, CHECKING, COMPARING, WRITING = 2, 5, 65, 75


def create_batch(agency, kind, filename, data, user=None, dry_run=False, options=None, **state) -> ImportBatch:
    """Record an upload (the original kept) and commit it, so that even a refused file is listed.

    `state` sets columns in the same insert (status, claimed_by), so no worker sees it half made.
    """
    batch = ImportBatch(agency_id=agency.id, kind=kind, filename=upload_name(filename),
                        file_hash=hashlib.sha256(data).hexdigest(), file_size=len(data), files=ImportFile(content=data),
                        uploaded_by_id=user.id if user else None, actor=user.email if user else "cli",
                        dry_run=dry_run, options=options or None,
                        **{"status": "queued", "phase": "waiting to start", **state})
    db.session.add(batch)
    db.session.commit()
    return batch


def previous_import(batch):
    """The last committed import of the same file into the same agency before this one, if any."""
    return db.session.scalar(select(ImportBatch).where(
        ImportBatch.agency_id == batch.agency_id, ImportBatch.kind == batch.kind,
        ImportBatch.file_hash == batch.file_hash, ImportBatch.status == "committed", ImportBatch.id < batch.id)
        .order_by(ImportBatch.id.desc()).limit(1))


class Progress:
    """Commits the batch's phase and percentage now and then (every 2 s), so that a page can poll it.

    Each update is a commit; on SQLite it rewrites the batch's row with the upload inside it (13 MB for 500k
    rows: 70-600 ms), so once a second cost a 500k-row import 2 s. `tell` (phase, percent), in an import's
    child: the parent process records the percentages meanwhile (imports/running/supervisor.py), on the other
    core, and only what must be seen before the next step (`here`: a status, the start of the write) is
    committed here. `force`: now, however soon after the last.
    """

    def __init__(self, batch_id, echo=None, every=2.0, tell=None):
        self.batch_id, self.echo, self.every, self.last, self.tell = batch_id, echo, every, 0.0, tell

    def __call__(self, phase, percent, force=False, here=False):
        now = time.monotonic()
        if not (force or here) and now - self.last < self.every:
            return
        self.last = now
        if self.tell and not here:
            self.tell(phase, int(percent))
            return
        db.session.execute(update(ImportBatch).where(ImportBatch.id == self.batch_id)
                           .values(phase=phase, percent=int(percent), heartbeat_at=datetime.utcnow()))
        db.session.commit()
        if self.echo:
            self.echo(phase, int(percent))

    def rows(self, done, total):
        share = min(done / total, 1) if total else 0
        self(f"checking rows ({done:,} read)", CHECKING + (COMPARING - CHECKING) * share)


def run(batch_id, commit=False, echo=None, actor=None, tell=None) -> ImportBatch:
    """Check a recorded upload and, if `commit` and nothing is wrong, write it; returns the finished batch.

    `actor` (user id, label) is who the audit log names: by default whoever uploaded the file. It is set
    in a copy of the context, so it does not outlive the import. `tell`: see Progress.
    """
    return contextvars.copy_context().run(_run, batch_id, commit, echo, actor, tell)


def _run(batch_id, commit, echo, actor, tell=None):
    timings.start()
    try:
        return _timed_run(batch_id, commit, echo, actor, tell)
    finally:
        timings.lap("outcome, audit row, problems, commit")
        timings.save()


def _timed_run(batch_id, commit, echo, actor, tell):
    batch = db.session.get(ImportBatch, batch_id)
    actor = actor or (batch.uploaded_by_id, batch.actor)
    set_actor(*actor)
    batch_id, agency_id, kind = batch.id, batch.agency_id, KINDS[batch.kind]
    promised = batch.plan_digest if commit else None  # a preview was shown: the commit must do exactly that
    if promised and _too_old(batch.finished_at or batch.created_at, datetime.utcnow()):
        return _expire(batch_id)
    progress = Progress(batch_id, echo, tell=tell)
    started = time.monotonic()
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(status="committing" if commit
                                                                                    else "checking"))
    db.session.execute(update(ImportFile).where(ImportFile.batch_id == batch_id,  # an earlier round's, if any
                                                ImportFile.problems_file.is_not(None)).values(problems_file=None))
    db.session.execute(delete(ImportProblem).where(ImportProblem.batch_id == batch_id))
    progress("reading the workbook", READING, here=True)  # commits the status with it
    report = Report()
    try:
        handler, counts = _check(batch, kind, report, progress, commit)
    except Exception:
        db.session.rollback()
        log.exception("Import %s failed while checking", batch_id)
        return _finish(batch_id, "failed", report, None, "The import stopped on an unexpected error while "
                                                             "checking the file. Nothing was changed.")
    if not report.ok:
        return _finish(batch_id, "rejected", report, counts,
                       f"{report.errors:,} problem{'s' if report.errors != 1 else ''} found: nothing was changed. "
                       "Fix them and upload the file again.")
    if not commit:
        return _finish(batch_id, "checked", report, counts, _outcome(counts, kind, committed=False), handler)
    if promised and changes.digest(handler.changes())[0] != promised:
        gone, added = changes.moved(db.session.connection(), batch_id, handler.changes())
        counts["moved"] = {"no longer apply": gone, "new": added}  # what the page says moved since the preview
        return _finish(batch_id, "checked", report, counts, _moved(gone, added) + " " +
                       _outcome(counts, kind, committed=False), handler)
    unmatched = counts.get("unmatched_columns") or []
    if unmatched and not (batch.options or {}).get("ignore_columns"):  # never drop a column unseen, even direct
        return _finish(batch_id, "checked", report, counts, _unconfirmed(unmatched) + " " +
                       _outcome(counts, kind, committed=False), handler)
    timings.lap("compare with what is recorded")
    # The last commit before the write, which is one transaction; rows written early are in it already, so
    # then the parent records the phase.
    early = getattr(handler, "early", None)
    progress("writing", WRITING, force=True, here=early is None or not early.active)
    try:
        if hasattr(handler, "origin"):  # what an imported record says of itself ("imported from ...")
            handler.origin = f"{batch.filename} by {actor[1]} on {local_day.today().isoformat()}"
        touched = handler.write(db.session.connection(), None)
        timings.lap("write attendance (and its index)" if hasattr(handler, "dates") else "write")
        if touched:  # derived numbers (the dashboards' summaries) follow inside this transaction
            attendance_changed.send(current_app._get_current_object(), team_ids=set(touched),
                                    rows=counts["new"] + counts["changed"], dates=getattr(handler, "dates", None),
                                    connection=db.session.connection())
            timings.lap("refresh summaries (dashboards/summaries.py)")
        _store(batch_id, "committed", report, counts, _outcome(counts, kind, committed=True,
                                                              seconds=time.monotonic() - started), touched)
        record("import", "import_batch", batch_id, agency_id, field=kind.key,
               new=f"new {counts['new']}, changed {counts['changed']}, unchanged {counts['unchanged']}",
               reason=f"file {batch.filename} sha256 {batch.file_hash[:16]}")
        db.session.commit()
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        log.warning("Import %s refused by the database: %s", batch_id, error)
        return _finish(batch_id, "failed", report, counts, "The database refused the write (another import may "
                                                           "have changed the same records at the same moment). "
                                                           "Nothing was changed; check and commit again.")
    except Exception:
        db.session.rollback()
        log.exception("Import %s failed while writing", batch_id)
        return _finish(batch_id, "failed", report, counts, "The import stopped on an unexpected error while "
                                                           "writing. Nothing was changed.")
    _keep_problems_workbook(batch_id, report)  # warnings of a committed import
    return db.session.get(ImportBatch, batch_id)


def _unconfirmed(columns):
    """The line saying a direct commit stopped at columns nobody confirmed as ignored."""
    names = ", ".join(f"{c.get('column')} ({c.get('header')})" for c in columns)
    return (f"Not committed: the file has {len(columns)} column{'s' if len(columns) != 1 else ''} the service does "
            f"not recognise ({names}); nothing in them would be written. Confirm that they are to be ignored "
            "(\"Ignore these columns\" on the page, ignore_columns=true in the API, --ignore-columns on the command "
            "line) and commit again, or rename their headers as in the template.")


def _moved(gone, added):
    """The line saying what moved between a preview and its commit."""
    parts = []
    if gone:
        parts.append(f"{gone:,} of its changes no longer appl{'ies' if gone == 1 else 'y'}")
    if added:
        parts.append(f"{added:,} change{'s' if added != 1 else ''} {'is' if added == 1 else 'are'} new")
    what = " and ".join(parts) or "its changes are no longer the same"
    return (f"Since this preview was made, {what} (another import or an edit changed the same records): check the "
            "new preview and commit again. Nothing was changed.")


def expire_days():
    return current_app.config.get("IMPORT_CHECKED_EXPIRE_DAYS", 7)


def _too_old(checked_at, now):
    return checked_at is not None and now - checked_at > timedelta(days=expire_days())


EXPIRED = ("This import was checked more than {days} days ago and never committed, so it expired: the data may "
           "have changed since. Nothing was changed; upload the file again to see a new preview.")


def _expire(batch_id):
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
        status="expired", phase="finished", percent=100, message=EXPIRED.format(days=expire_days())))
    db.session.commit()
    return db.session.get(ImportBatch, batch_id)


def expire_old(now=None) -> int:
    """Expire every checked, uncommitted import older than IMPORT_CHECKED_EXPIRE_DAYS (by when it was checked).

    Contract: call from any process with an app context (a page, the worker, the scheduler); idempotent;
    commits; returns how many batches it expired. Their preview lines stay, for the record. A commit of
    such a batch is refused the same way, even before this runs.
    """
    limit = (now or datetime.utcnow()) - timedelta(days=expire_days())
    done = db.session.execute(update(ImportBatch).where(ImportBatch.status == "checked",
                                                        func.coalesce(ImportBatch.finished_at,
                                                                      ImportBatch.created_at) < limit)
                              .values(status="expired", message=EXPIRED.format(days=expire_days())))
    db.session.commit()
    return done.rowcount


def discard(batch_id, actor) -> bool:
    """Discard a checked import at its clerk's request: status "discarded", audited, nothing else changed.

    Contract: `actor` is (user id, label) as for `run`; the caller has checked that this user may see and
    import the batch. Only a "checked" batch is discarded (an atomic update: a commit starting at the same
    moment wins one way or the other); returns False when it was not checked. Commits.
    """
    done = db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status == "checked")
                              .values(status="discarded", phase="finished",
                                      message=f"Discarded by {actor[1]} on {moment(datetime.utcnow())} before it "
                                              "was committed: nothing was changed."))
    if done.rowcount != 1:
        db.session.rollback()
        return False
    with acting_as(*actor):
        batch = db.session.get(ImportBatch, batch_id)
        record("discard", "import_batch", batch_id, batch.agency_id, field=batch.kind, old="checked",
               new="discarded", reason=f"file {batch.filename}")
        db.session.commit()
    return True


def _check(batch, kind, report, progress, commit=False):
    """Read and check the stored file: (handler holding its plan, counts), or (None, None) for a refused file.

    `commit`: a large attendance file's surely new records are written while it is read (on PostgreSQL, in
    the import's transaction: imports/kinds/attendance_early.py), when nothing is committed meanwhile (progress is
    told to the parent process).
    """
    # calamine reads from a file without copying it into memory: spool the stored upload in slices, so that
    # no copy of it is in memory while the sheet is.
    with tempfile.NamedTemporaryFile(prefix="imr-import-", suffix=".xlsx") as spool:
        _spool(batch.id, batch.file_size, spool)
        release_memory(batch.file_size)
        timings.lap("status commit, spool the upload")
        notes = WorkbookNotes()  # what the reader cannot see: rows or columns hidden in Excel, error cells, 1904
        try:
            if is_csv(spool.name):  # by content: an EHR's export may be named anything
                workbook = open_csv(spool.name, batch.filename, current_app.config.get("MAX_CONTENT_LENGTH"))
            else:
                config = current_app.config  # an import's child scans the extents while calamine parses
                workbook, notes = open_checked(spool.name, config["IMPORT_MAX_SHEET_CELLS"],
                                               config["IMPORT_MAX_SHEET_COLUMNS"],
                                               overlap=config.get("IMPORT_SCAN_WHILE_READING", False))
        except (UnsafeWorkbook, UnreadableWorkbook) as error:
            report.error("file.unsafe" if isinstance(error, UnsafeWorkbook) else "file.unreadable", str(error))
            return None, None
        timings.lap("open, guard, extent scan (beside the parse)")
        agency = db.session.get(Agency, batch.agency_id)
        handler = kind.make_handler(db.session.connection(), agency.id, record_fields(kind))
        reader = read_rows
        if kind.layout == "grid":  # a grid without a Team row takes the team chosen on the upload form
            team = lookups.chosen_team(db.session.connection(), agency.id, (batch.options or {}).get("team_id"))
            reader = partial(read_grid, chosen_team=tuple(team) if team else None)
        epoch = EPOCH_1904 if notes.date1904 else EXCEL_EPOCH
        known = getattr(handler, "client_codes", None)  # the agency's codes, where the handler read them already
        codes = CodeBook(known if known is not None else CodeBook.known_codes(db.session.connection(), agency.id),
                         notes.scientific, typed=not isinstance(workbook, CsvWorkbook), adds=kind.adds_participants)
        if hasattr(handler, "early") and progress.tell is not None:
            handler.early = EarlyWrite.start(db.session.connection(), handler, commit)
        unmatched = []  # columns holding data that no declared column matched
        gc.disable()  # half a million short-lived rows would set the cycle collector off again and again
        try:
            records = reader(workbook, kind, report, agency.date_order, progress.rows, codes=codes, unmatched=unmatched,
                             notes=notes.sheets, epoch=epoch)
            records = codes.watch(records, report)
            if hasattr(handler, "take_all"):  # a loop of its own for the records of large files
                handler.take_all(records, report)
            else:
                for sheet, record_id, values, bad in records:
                    handler.take(sheet, record_id, values, bad, report)
        except UnreadableWorkbook as error:
            report.error("file.unreadable", str(error))
            return None, None
        finally:
            gc.enable()
            timings.lap("read and check rows")
            if getattr(handler, "early", None) is not None:
                handler.early.stop()
                timings.lap("the rest of the early attendance write")
            del workbook  # calamine holds a whole sheet: let it go before comparing
            release_memory(batch.file_size)  # and hand its memory back, so writing starts from a low footprint
            timings.lap("drop the sheet, give memory back")
    progress("comparing with what is recorded", COMPARING, force=True)
    counts = handler.finish(db.session.connection(), report)
    counts["rejected"] = len(report.rejected)
    if unmatched:
        counts["unmatched_columns"] = unmatched
    counts["total"] = counts["new"] + counts["changed"] + counts["unchanged"] + counts["rejected"]
    return handler, counts


def record_fields(kind):
    """The column keys a kind's reader aligns each record's values with (a grid's records are sessions rows)."""
    if kind.layout == "grid":
        return sorted(GRID_RECORD, key=GRID_RECORD.get)
    return [column.key for column in kind.columns]


def _spool(batch_id, size, handle, chunk=4 * 1024 * 1024):
    conn = db.session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite" and hasattr(raw, "blobopen"):
        # SQLite's substr() loads the whole value for each slice: read the stored upload once, in slices.
        with raw.blobopen(ImportFile.__tablename__, "content", batch_id, readonly=True) as blob:  # rowid: batch_id
            while data := blob.read(chunk):
                handle.write(data)
        handle.flush()
        return
    for offset in range(0, size, chunk):
        handle.write(db.session.scalar(select(func.substr(ImportFile.content, offset + 1, chunk))
                                       .where(ImportFile.batch_id == batch_id)))
    handle.flush()


def _outcome(counts, kind, committed, seconds=None):
    unit = kind.unit
    if counts["new"] == counts["changed"] == 0:
        return f"Nothing to change: all {counts['unchanged']:,} {unit} are already recorded as in this file."
    done = "Imported" if committed else "Ready to import"
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    return (f"{done}{took}: {counts['new']:,} new and {counts['changed']:,} changed {unit}; "
            f"{counts['unchanged']:,} unchanged.")


def _store(batch_id, status, report, counts, message, team_ids=None):
    """Set the batch's outcome and its problems inside the current transaction, and let go of the batch.

    Released here, with the outcome, rather than by the worker afterwards (batch_queue.release): on SQLite
    every update of the batch's row rewrites the upload stored in it (13 MB for 500k rows, 0.1-0.7 s), and
    the worker's update then finds nothing to change.
    """
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
        status=status, counts=counts, errors=report.errors, warnings=report.warnings, message=message,
        phase="finished", percent=100, team_ids=sorted(team_ids) if team_ids else None, claimed_by=None,
        heartbeat_at=datetime.utcnow(), finished_at=datetime.utcnow()))
    if report.kept:
        db.session.execute(insert(ImportProblem), [
            dict(batch_id=batch_id, severity=p.severity, sheet=p.sheet and p.sheet[:100], sheet_row=p.row,
                 sheet_column=p.column and p.column[:300], value=p.value, rule=p.rule, message=p.message)
            for p in report.kept])


def _finish(batch_id, status, report, counts, message, handler=None):
    """End a run that writes no data; a checked one stores its preview's lines and their digest."""
    db.session.rollback()  # whatever a failed step left behind
    _store(batch_id, status, report, counts, message)
    if handler is not None:
        digest, _ = changes.replace(db.session.connection(), batch_id, handler.changes())
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(plan_digest=digest))
    elif status in ("rejected", "failed"):  # a preview that no longer holds
        db.session.execute(delete(ImportChange).where(ImportChange.batch_id == batch_id))
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(plan_digest=None))
    db.session.commit()
    _keep_problems_workbook(batch_id, report)
    return db.session.get(ImportBatch, batch_id)


def _keep_problems_workbook(batch_id, report):
    """Build the problems workbook here, after the outcome is shown, so no web request has to build it."""
    if report.kept:
        from imports.showing.problems_workbook import store  # openpyxl: loaded only when a workbook is written
        store(batch_id)
