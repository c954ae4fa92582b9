"""A consensus form sent after its trainer's sign-in ended is kept too: the page each kept form came from

Revision ID: 0031_kept_consensus_form
Revises: 0030_kept_rating_form
Create Date: 2026-12-02 07:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0031_kept_consensus_form'
down_revision = '0030_kept_rating_form'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kept_rating_form', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page', sa.String(length=20), nullable=False, server_default='rate'))


def downgrade():
    with op.batch_alter_table('kept_rating_form', schema=None) as batch_op:
        batch_op.drop_column('page')
