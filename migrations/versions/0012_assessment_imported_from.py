"""A visit recorded by a historical-ratings import says where it came from

assessment.imported_from holds "FILE by USER on DATE": the report shows "imported from ..." where the
raters of a rated visit are listed, since an imported visit has none.

Revision ID: 0012_assessment_imported_from
Revises: 0011_session_module_optional
Create Date: 2026-11-30 16:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0012_assessment_imported_from'
down_revision = '0011_session_module_optional'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment') as batch:
        batch.add_column(sa.Column('imported_from', sa.String(length=400), nullable=True))


def downgrade():
    with op.batch_alter_table('assessment') as batch:
        batch.drop_column('imported_from')
