"""Sessions may have no module (attendance grids without a Module row)

imr_session.module becomes nullable. The natural-key indexes compare coalesce(module, 0), so a team still
has at most one unknown-module group session a day (and a participant one individual session a day).

Revision ID: 0011_session_module_optional
Revises: 0010_import_worker_preview
Create Date: 2026-11-30 16:10:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0011_session_module_optional'
down_revision = '0010_import_worker_preview'
branch_labels = None
depends_on = None

GROUP, INDIVIDUAL = sa.text('participant_id IS NULL'), sa.text('participant_id IS NOT NULL')


def _indexes(module):
    op.create_index('uq_group_session', 'imr_session', ['team_id', 'session_date', module], unique=True,
                    sqlite_where=GROUP, postgresql_where=GROUP)
    op.create_index('uq_individual_session', 'imr_session', ['participant_id', 'session_date', module], unique=True,
                    sqlite_where=INDIVIDUAL, postgresql_where=INDIVIDUAL)


def _drop_indexes():
    op.drop_index('uq_individual_session', table_name='imr_session')
    op.drop_index('uq_group_session', table_name='imr_session')


def upgrade():
    _drop_indexes()  # before the SQLite rebuild, which would otherwise copy them
    with op.batch_alter_table('imr_session') as batch:
        batch.alter_column('module', existing_type=sa.Integer(), nullable=True)
    _indexes(sa.text('coalesce(module, 0)'))


def downgrade():
    # Sessions without a module cannot be kept under a NOT NULL column: refuse rather than invent one.
    unknown = op.get_bind().execute(sa.text('SELECT count(*) FROM imr_session WHERE module IS NULL')).scalar()
    if unknown:
        raise RuntimeError(f'{unknown} sessions have no module; record their modules before downgrading.')
    _drop_indexes()
    with op.batch_alter_table('imr_session') as batch:
        batch.alter_column('module', existing_type=sa.Integer(), nullable=False)
    _indexes('module')
