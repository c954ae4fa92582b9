"""An import's files live apart from its batch row (the worker's heartbeats rewrote the upload on SQLite):
migration 0023 moves every kept upload and problems workbook there and back without losing a byte."""
from alembic.script import ScriptDirectory
from flask_migrate import downgrade
from sqlalchemy import text

from extensions import db
from imports.models import ImportBatch
from models.cli import upgrade_database
from tests.imports import workbooks as wbk


def _stored(sql, batch_id):
    return db.session.execute(text(sql), {"id": batch_id}).scalar()


def _down_to_before_0023(app):
    migrate = app.extensions["migrate"]
    below = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_revision(
        "0023_import_files").down_revision
    downgrade(directory=migrate.directory, revision=below)


def test_the_migration_moves_every_kept_file_and_back_without_losing_a_byte(app, world, run_import):
    upload = wbk.roster([["00123", "Alpha group", "not a date", None, None, None, None]])
    batch = run_import(upload, "roster", world.agency_a)
    assert batch.status == "rejected"
    batch_id, problems = batch.id, batch.files.problems_file
    assert problems[:2] == b"PK" and batch.files.content == upload
    db.session.execute(text("UPDATE import_batch SET percent = 50 WHERE id = :id"), {"id": batch_id})  # a beat
    assert _stored("SELECT content FROM import_file WHERE batch_id = :id", batch_id) == upload
    db.session.commit()
    db.session.close()
    _down_to_before_0023(app)  # back: the files return to the batch's row
    assert _stored("SELECT content FROM import_batch WHERE id = :id", batch_id) == upload
    assert _stored("SELECT problems_file FROM import_batch WHERE id = :id", batch_id) == problems
    db.session.close()
    upgrade_database()  # and forward again: nothing lost either way
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.files.content == upload and batch.files.problems_file == problems
