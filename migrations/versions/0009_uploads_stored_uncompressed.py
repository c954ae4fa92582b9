"""PostgreSQL stores uploaded workbooks as they are, without compressing them again

An .xlsx is already a zip archive. PostgreSQL tried to compress each stored upload once more (and
failed to make it smaller): 0.45 s of a 13 MB upload's 0.5 s insert. EXTERNAL storage keeps the
value out of line, uncompressed. SQLite stores blobs as they are already.

Revision ID: 0009_uploads_uncompressed
Revises: 0008_attendance_covering
Create Date: 2026-11-30 09:50:00

"""
from alembic import op


revision = '0009_uploads_uncompressed'
down_revision = '0008_attendance_covering'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE import_batch ALTER COLUMN content SET STORAGE EXTERNAL")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE import_batch ALTER COLUMN content SET STORAGE EXTENDED")
