"""attendance indexed by session and status, so the evidence panel counts a session's attendees from the index

The evidence panel counts the attended rows of every session of a program's window and finds who attended
in it; the unique (session_id, participant_id) index made each count read the table for the status.

Revision ID: 0018_evidence_indexes
Revises: 0017_notices
Create Date: 2026-11-30 23:00:00

"""
from alembic import op


revision = '0018_evidence_indexes'
down_revision = '0017_notices'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_session_status', ['session_id', 'status', 'participant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_session_status')
