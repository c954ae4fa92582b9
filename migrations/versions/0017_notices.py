"""Workflow notices of fidelity visits, each sent once

fidelity_notice records that one person was told one thing about one visit (added as a rater, every rater
submitted, report final, an amendment), so a repeated action never tells them twice; the message is a
scheduling notification, and its email status is kept beside it. assessment.recommendations holds what the
trainer recommends, written with the consensus before finalising and printed in the report.

Revision ID: 0017_notices
Revises: 0016_team_data_change
Create Date: 2026-11-30 19:25:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0017_notices'
down_revision = '0016_team_data_change'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment') as batch:
        batch.add_column(sa.Column('recommendations', sa.Text(), nullable=True))
    op.create_table(
        'fidelity_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('email_status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("email_status IN ('none', 'pending', 'sent', 'failed')",
                           name=op.f('ck_fidelity_notice_email_status')),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                                name=op.f('fk_fidelity_notice_assessment_id_assessment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id'],
                                name=op.f('fk_fidelity_notice_notification_id_notification'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_fidelity_notice_user_id_app_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fidelity_notice')),
        sa.UniqueConstraint('assessment_id', 'user_id', 'key', name=op.f('uq_fidelity_notice_assessment_id')),
    )
    with op.batch_alter_table('fidelity_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fidelity_notice_assessment_id'), ['assessment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('fidelity_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fidelity_notice_assessment_id'))
    op.drop_table('fidelity_notice')
    with op.batch_alter_table('assessment') as batch:
        batch.drop_column('recommendations')
