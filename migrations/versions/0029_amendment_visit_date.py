"""An amendment may correct a final visit's date: its item number is empty then

Revision ID: 0029_amendment_visit_date
Revises: 0028_day_index_sqlite
Create Date: 2026-12-02 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0029_amendment_visit_date'
down_revision = '0028_day_index_sqlite'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_amendment', schema=None) as batch_op:
        batch_op.alter_column('item_number', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM assessment_amendment WHERE item_number IS NULL")
    with op.batch_alter_table('assessment_amendment', schema=None) as batch_op:
        batch_op.alter_column('item_number', existing_type=sa.Integer(), nullable=False)
