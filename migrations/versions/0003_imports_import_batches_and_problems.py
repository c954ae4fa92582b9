"""Import batches (the original file kept) and the problems found in them.

Revision ID: 0003_imports
Revises: 0001_foundation
Create Date: 2026-11-23 12:06:30.357844

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_imports'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('phase', sa.String(length=40), nullable=True),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('team_ids', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_import_batch_agency_id_agency'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], name=op.f('fk_import_batch_uploaded_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index('ix_import_batch_agency_created', ['agency_id', 'created_at'], unique=False)
        batch_op.create_index('ix_import_batch_hash', ['agency_id', 'kind', 'file_hash'], unique=False)

    op.create_table('import_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('sheet', sa.String(length=100), nullable=True),
    sa.Column('sheet_row', sa.Integer(), nullable=True),
    sa.Column('sheet_column', sa.String(length=300), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_problem_batch_id_import_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_problem'))
    )
    with op.batch_alter_table('import_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_problem_batch_id'), ['batch_id'], unique=False)



def downgrade():
    with op.batch_alter_table('import_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_problem_batch_id'))

    op.drop_table('import_problem')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index('ix_import_batch_hash')
        batch_op.drop_index('ix_import_batch_agency_created')

    op.drop_table('import_batch')
