"""The schema exists only through migrations: from empty they build exactly what the models declare."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, inspect, text

from extensions import db
from models.dialect_schema import include_object
from models.cli import upgrade_database
from tests.conftest import make_app

DOMAIN_TABLES = {"agency", "program", "team", "practitioner", "participant", "imr_session", "attendance",
                 "app_user", "audit_log", "assessment"}


def test_upgrade_from_empty_builds_every_table(app):
    tables = set(inspect(db.engine).get_table_names())
    assert DOMAIN_TABLES <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False,
                                                         "include_object": include_object(conn.dialect.name)})
        diff = compare_metadata(context, db.metadata)
    # Tables owned by libraries (the scheduler's job store) are not in our metadata.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("apscheduler"))]
    assert diff == [], "a model changed without a migration: run `flask db migrate`"


def test_sqlite_migrates_without_foreign_keys_then_enforces_them(tmp_path):
    """Rebuilding a table while migrating must not cascade; afterwards every connection checks references."""
    seen = []
    app = make_app(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def _during(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().startswith("CREATE TABLE"):
                seen.append(conn.exec_driver_sql("PRAGMA foreign_keys").scalar())
        upgrade_database()
        event.remove(db.engine, "before_cursor_execute", _during)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
    assert seen and set(seen) == {0}


def test_postgresql_stores_uploads_without_compressing_them_again(app):
    """An .xlsx is a zip already: compressing it again cost PostgreSQL 0.45 s per 13 MB upload."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores blobs as they are")
    storage = db.session.execute(text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'import_file'::regclass "
                                      "AND attname = 'content'")).scalar()
    assert storage == "e"  # EXTERNAL: out of line, uncompressed


def test_the_daily_rows_day_index_only_where_it_is_read(app):
    # SQLite's overview sums edge days from it; PostgreSQL counts them from the monthly masks (0027), and a
    # refresh would keep it in order for nothing (0028)
    names = {index["name"] for index in inspect(db.engine).get_indexes("engagement_day")}
    assert ("ix_engagement_day_day" in names) == (db.engine.dialect.name == "sqlite")
    assert "ix_engagement_day_several" in names
