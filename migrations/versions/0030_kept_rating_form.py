"""A rating form sent after its rater's sign-in ended is kept for that rater for a few hours

Revision ID: 0030_kept_rating_form
Revises: 0029_amendment_visit_date
Create Date: 2026-12-02 04:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0030_kept_rating_form'
down_revision = '0029_amendment_visit_date'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kept_rating_form',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('kept_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_kept_rating_form_user_id_app_user'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                                name=op.f('fk_kept_rating_form_assessment_id_assessment'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'assessment_id', name=op.f('pk_kept_rating_form')),
    )
    with op.batch_alter_table('kept_rating_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_rating_form_kept_at'), ['kept_at'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_rating_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_rating_form_kept_at'))
    op.drop_table('kept_rating_form')
