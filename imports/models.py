"""One uploaded file (ImportBatch, with the original kept) and the problems found in it."""
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from extensions import db
from models.org import Agency

# queued -> checking -> checked (ready to commit) | rejected (has errors) -> committing -> committed | failed;
# a checked import can also be discarded by the clerk, or expire unconfirmed (IMPORT_CHECKED_EXPIRE_DAYS).
#
# The work queue is this table (imports/running/worker.py): a batch with claimed_by NULL and status "queued" waits to
# be checked, one with status "committing" waits to be checked and written (a commit request, or an upload
# that asked to commit at once). A worker takes one by setting claimed_by to "worker host:pid" in a
# conditional UPDATE, and keeps heartbeat_at fresh while its child process runs it; `flask import` claims
# its own batch at creation ("cli host:pid"), so no worker takes it. A claimed batch whose heartbeat is older
# than IMPORT_STALE_SECONDS lost its process: a worker requeues it once (attempts) and fails it after that.
STATUSES = ("queued", "checking", "checked", "rejected", "committing", "committed", "failed", "discarded",
            "expired")
RUNNING = ("queued", "checking", "committing")
STALE_AFTER = timedelta(seconds=60)  # default of IMPORT_STALE_SECONDS: a run silent this long lost its process
WAITING_HINT_AFTER = timedelta(seconds=5)  # default of IMPORT_WAITING_HINT_SECONDS


def _setting(name, default):
    """A timedelta from the app's config, or the default outside an app (scripts, shells)."""
    return timedelta(seconds=current_app.config[name]) if has_app_context() and name in current_app.config \
        else default


class ImportFile(db.Model):
    """The files of one import: the upload as it came, and the problems workbook built from it.

    Kept apart from the batch's row, which the worker updates every few seconds while it runs (heartbeat,
    progress): SQLite rewrites a whole row on update, and a 13 MB upload inside it made each of those writes
    take 50-280 ms, holding the write lock the import itself was waiting for.
    """

    __tablename__ = "import_file"

    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))  # the original, for download and re-checks
    problems_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # built by the worker


class ImportBatch(db.Model):
    __tablename__ = "import_batch"
    __table_args__ = (
        Index("ix_import_batch_agency_created", "agency_id", "created_at"),
        Index("ix_import_batch_hash", "agency_id", "kind", "file_hash"),
        Index("ix_import_batch_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    file_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the upload
    file_size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # email or "cli"; survives the user's deletion
    dry_run: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    phase: Mapped[str | None] = mapped_column(String(40))  # what a running import is doing, for people
    percent: Mapped[int] = mapped_column(default=0)
    counts: Mapped[dict | None] = mapped_column(JSON)  # new/changed/unchanged/rejected/total and per-table detail
    errors: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)  # the outcome in one or two sentences
    team_ids: Mapped[list | None] = mapped_column(JSON)  # teams whose sessions or attendance were touched
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    finished_at: Mapped[datetime | None]
    # What the uploader chose besides the file: e.g. {"team_id": 5} for a grid without a Team row,
    # {"ignore_columns": true} once unmatched columns were confirmed as ignored.
    options: Mapped[dict | None] = mapped_column(JSON)
    claimed_by: Mapped[str | None] = mapped_column(String(120))  # "worker host:pid" or "cli host:pid" running it
    attempts: Mapped[int] = mapped_column(default=0)  # runs started by workers, to requeue at most once
    plan_digest: Mapped[str | None] = mapped_column(String(64))  # what the preview promised, to re-check at commit

    agency: Mapped[Agency] = relationship()
    files: Mapped["ImportFile"] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    uploaded_by = relationship("User")
    problems: Mapped[list["ImportProblem"]] = relationship(back_populates="batch", order_by="ImportProblem.id",
                                                           cascade="all, delete-orphan", passive_deletes=True)
    changes: Mapped[list["ImportChange"]] = relationship(back_populates="batch", order_by="ImportChange.id",
                                                         cascade="all, delete-orphan", passive_deletes=True)

    @property
    def owning_agency_id(self) -> int:
        return self.agency_id

    @property
    def interrupted(self) -> bool:
        """A run whose process died (no heartbeat): nothing it was doing was written."""
        return (self.status in RUNNING and self.claimed_by is not None
                and datetime.utcnow() - self.heartbeat_at > _setting("IMPORT_STALE_SECONDS", STALE_AFTER))

    @property
    def waiting_for_worker(self) -> bool:
        """Queued (to check or to commit) and taken by no worker for more than a few seconds."""
        return (self.status in ("queued", "committing") and self.claimed_by is None
                and datetime.utcnow() - self.heartbeat_at > _setting("IMPORT_WAITING_HINT_SECONDS",
                                                                     WAITING_HINT_AFTER))

    @property
    def shown_status(self) -> str:
        return "interrupted" if self.interrupted else self.status

    @property
    def running(self) -> bool:
        return self.status in RUNNING and not self.interrupted


class ImportProblem(db.Model):
    __tablename__ = "import_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    sheet: Mapped[str | None] = mapped_column(String(100))
    sheet_row: Mapped[int | None]
    sheet_column: Mapped[str | None] = mapped_column(String(300))  # e.g. "D (Client code)"
    value: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)

    batch: Mapped[ImportBatch] = relationship(back_populates="problems")


class ImportChange(db.Model):
    """One line of an import's preview: a new record, or one field of a known record going from old to new.

    The preview page, its .xlsx download and the API list these; the commit writes exactly them.
    Values are stored as the text the clerk is shown; a cleared value has new_value None and cleared True.
    """
    __tablename__ = "import_change"
    __table_args__ = (Index("ix_import_change_batch_action", "batch_id", "action", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10))  # "new" or "changed"
    record: Mapped[str] = mapped_column(String(40))  # what kind of record: participant, session, attendance, visit
    subject: Mapped[str] = mapped_column(String(300))  # which one, in words: "00457", "Monday group 2026-03-02 (module 3)"
    sheet: Mapped[str | None] = mapped_column(String(100))
    sheet_row: Mapped[int | None]
    field: Mapped[str | None] = mapped_column(String(60))  # the column's label; None on a new record's line
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    cleared: Mapped[bool] = mapped_column(default=False)  # the file said `clear`: shown as "(cleared)"

    batch: Mapped[ImportBatch] = relationship(back_populates="changes")
