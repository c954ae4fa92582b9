"""an import's files in a table of their own

import_batch held the upload (up to tens of MB) and the problems workbook in the same row as the worker's
heartbeat and progress. SQLite rewrites a whole row on update, so every heartbeat and progress write rewrote
the upload too (50-280 ms for a 13 MB file, holding the write lock the import itself waited for). The two files
move to import_file, one row per batch, written when the upload is stored and when its problems workbook is
built.

Revision ID: 0023_import_files
Revises: 0022_state_scale
Create Date: 2026-12-01 05:50:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0023_import_files'
down_revision = '0022_state_scale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_file',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('problems_file', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_file_batch_id_import_batch'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_import_file')),
    )
    if op.get_bind().dialect.name == "postgresql":  # an .xlsx is a zip already (migration 0009 says why)
        op.execute("ALTER TABLE import_file ALTER COLUMN content SET STORAGE EXTERNAL")
    op.execute("INSERT INTO import_file (batch_id, content, problems_file) "
               "SELECT id, content, problems_file FROM import_batch WHERE content IS NOT NULL")
    with op.batch_alter_table('import_batch') as batch:
        batch.drop_column('problems_file')
        batch.drop_column('content')


def downgrade():
    with op.batch_alter_table('import_batch') as batch:
        batch.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('problems_file', sa.LargeBinary(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE import_batch ALTER COLUMN content SET STORAGE EXTERNAL")
    op.execute("UPDATE import_batch SET content = (SELECT content FROM import_file WHERE batch_id = import_batch.id), "
               "problems_file = (SELECT problems_file FROM import_file WHERE batch_id = import_batch.id)")
    op.drop_table('import_file')
