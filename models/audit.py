"""The audit log: who changed what, when, with old and new value."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_agency_at", "agency_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=datetime.utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # email, or "cli"/"scheduler"; survives user deletion
    action: Mapped[str] = mapped_column(String(20))  # create / update / delete, or a feature's own verb
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None]
    agency_id: Mapped[int | None]
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)

    user = relationship("User")


# --- Recording -----------------------------------------------------------------------------------
# Every flush writes audit rows for models marked __audited__ = True, so no feature can forget to log
# a change. Bulk imports insert through Core and log one row per import batch instead.

from contextlib import contextmanager  # noqa: E402
from contextvars import ContextVar  # noqa: E402
from functools import wraps  # noqa: E402

from sqlalchemy import event, inspect, insert  # noqa: E402
from sqlalchemy.orm import Session as OrmSession  # noqa: E402

_actor: ContextVar[tuple[int | None, str] | None] = ContextVar("audit_actor", default=None)


def set_actor(user_id: int | None, label: str):
    """Name who the following changes are by (a signed-in user, 'cli' or 'scheduler')."""
    return _actor.set((user_id, label))


@contextmanager
def acting_as(user_id: int | None, label: str):
    """Audit the changes made inside the block as by this actor, and forget it afterwards.

    Forgetting matters where the same thread goes on to serve other work (tests, a worker thread).
    """
    token = _actor.set((user_id, label))
    try:
        yield
    finally:
        _actor.reset(token)


def audited_as_cli(command):
    """Decorate a CLI command so its changes are audited as by 'cli'."""
    @wraps(command)
    def run(*args, **kwargs):
        with acting_as(None, "cli"):
            return command(*args, **kwargs)
    return run


def current_actor() -> tuple[int | None, str]:
    actor = _actor.get()
    if actor is not None:
        return actor
    try:  # inside a request, the signed-in user
        from flask_login import current_user
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email
    except Exception:  # no request context
        pass
    return None, "system"


def _text(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _agency_of(obj):
    try:
        return obj.owning_agency_id
    except Exception:  # relationship not loadable during flush
        return None


def _changes(obj, only_modified):
    state = inspect(obj)
    skip = set(getattr(obj, "__audit_skip__", ()))
    for attr in state.mapper.column_attrs:
        if attr.key in skip:
            continue
        hist = state.attrs[attr.key].history
        if only_modified:
            if hist.added or hist.deleted:
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if _text(old) != _text(new):
                    yield attr.key, _text(old), _text(new)
        else:
            yield attr.key, None, _text(getattr(obj, attr.key))


def audit_rows(session):
    """The audit rows describing what a flush is about to write."""
    user_id, label = current_actor()
    now = datetime.utcnow()
    rows = []

    def add(action, obj, field=None, old=None, new=None):
        rows.append(dict(at=now, user_id=user_id, actor=label, action=action, entity=obj.__tablename__,
                         entity_id=obj.id, agency_id=_agency_of(obj), field=field, old_value=old, new_value=new,
                         reason=getattr(obj, "_audit_reason", None)))

    for obj in session.new:
        if getattr(obj, "__audited__", False):
            for field, old, new in _changes(obj, only_modified=False):
                if new is not None and field != "id":
                    add("create", obj, field, old, new)
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            for field, old, new in _changes(obj, only_modified=True):
                add("update", obj, field, old, new)
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            add("delete", obj)
    return rows


@event.listens_for(OrmSession, "after_flush")
def _write_audit(session, flush_context):
    rows = audit_rows(session)
    if rows:
        session.connection().execute(insert(AuditLog.__table__), rows)


def record(action: str, entity: str, entity_id=None, agency_id=None, field=None, old=None, new=None, reason=None):
    """Write one audit row for something that is not a plain model change (an import, an amendment)."""
    user_id, label = current_actor()
    db.session.add(AuditLog(user_id=user_id, actor=label, action=action, entity=entity, entity_id=entity_id,
                            agency_id=agency_id, field=field, old_value=_text(old), new_value=_text(new),
                            reason=reason))
