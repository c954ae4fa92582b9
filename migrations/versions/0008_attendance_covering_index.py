"""attendance's participant index also holds the session, so engagement queries read only the index

The engagement queries look up a participant's status in a session for every offered session; with
(participant_id, session_id, status) that lookup is answered by the index alone.

Revision ID: 0008_attendance_covering
Revises: 0007_first_attended
Create Date: 2026-11-30 07:35:00

"""
from alembic import op


revision = '0008_attendance_covering'
down_revision = '0007_first_attended'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_participant')
        batch_op.create_index('ix_attendance_participant', ['participant_id', 'session_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_participant')
        batch_op.create_index('ix_attendance_participant', ['participant_id', 'status'], unique=False)
