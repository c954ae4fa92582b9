"""Fixtures for import tests: run an import the way the CLI does, and count what is in the database."""
import pytest
from sqlalchemy import func, select, text

from extensions import db
from fidelity.models import Assessment
from imports import operations
from imports.models import ImportBatch
from models import Attendance, AuditLog, Participant, Practitioner, Session


def _runner(app):
    app.config["IMPORTS_IN_BACKGROUND"] = False

    def run(data, kind, agency, commit=True, filename="upload.xlsx"):
        batch = operations.create_batch(agency, kind, filename, data)
        return operations.run(batch.id, commit=commit)
    return run


@pytest.fixture
def run_import(app):
    """run_import(data, kind, agency, commit=True) -> the finished ImportBatch (checked inline, no thread)."""
    return _runner(app)


@pytest.fixture
def run_import_sqlite(sqlite_app):
    """The same on SQLite only: for checks of the file that do not depend on the database."""
    return _runner(sqlite_app)


def table_counts():
    """Rows per table that imports write, to show that nothing changed."""
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Participant, Session, Attendance, Practitioner, Assessment, AuditLog)}


def snapshot():
    """Every participant, session and attendance row as plain tuples (for 'the database is as it was')."""
    tables = (Participant.__table__, Session.__table__, Attendance.__table__, Practitioner.__table__)
    return {t.name: sorted(tuple(r) for r in db.session.execute(select(t)).all()) for t in tables}


def foreign_keys():
    """attendance's foreign keys as PostgreSQL defines them ({} on SQLite, which keeps none in a catalog)."""
    if db.engine.dialect.name != "postgresql":
        return {}
    return dict(db.session.execute(text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                        "WHERE conrelid = 'attendance'::regclass AND contype = 'f'")).all())


def indexes():
    """attendance's indexes as the database defines them ({name: definition})."""
    if db.engine.dialect.name == "postgresql":
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'attendance'"
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attendance'"
    return dict(db.session.execute(text(query)).all())


def last_batch():
    return db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
