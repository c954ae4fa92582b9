"""Import batches run by a worker process, and previews kept field by field

import_batch gains what a worker needs (who claimed it, how many runs it took), the uploader's choices
(options), the digest of what the preview promised (re-checked at commit) and the problems workbook the
worker builds. import_change holds the preview: each new record, and each field of a known record that
changes, from old to new.

Revision ID: 0010_import_worker_preview
Revises: 0009_uploads_uncompressed
Create Date: 2026-11-30 16:10:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0010_import_worker_preview'
down_revision = '0009_uploads_uncompressed'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch') as batch:
        batch.add_column(sa.Column('options', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('plan_digest', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('problems_file', sa.LargeBinary(), nullable=True))
    op.create_table(
        'import_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('record', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('sheet', sa.String(length=100), nullable=True),
        sa.Column('sheet_row', sa.Integer(), nullable=True),
        sa.Column('field', sa.String(length=60), nullable=True),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.Column('cleared', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_import_change_batch_action', 'import_change', ['batch_id', 'action', 'id'])
    # The workers look for queued and stale runs by status.
    op.create_index('ix_import_batch_status', 'import_batch', ['status'])


def downgrade():
    op.drop_index('ix_import_batch_status', table_name='import_batch')
    op.drop_index('ix_import_change_batch_action', table_name='import_change')
    op.drop_table('import_change')
    with op.batch_alter_table('import_batch') as batch:
        for name in ('problems_file', 'plan_digest', 'attempts', 'claimed_by', 'options'):
            batch.drop_column(name)
