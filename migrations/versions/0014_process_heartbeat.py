"""The worker and the scheduler say they are alive

process_heartbeat holds one row per worker or scheduler process (kind, "host:pid") with the time it was last
seen; /healthz shows the newest of each kind, so an operator sees a stopped worker or scheduler.

Revision ID: 0014_process_heartbeat
Revises: 0013_account_security
Create Date: 2026-11-30 18:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0014_process_heartbeat'
down_revision = '0013_account_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'process_heartbeat',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('host_pid', sa.String(length=120), nullable=False),
        sa.Column('last_seen', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'host_pid'),
    )


def downgrade():
    op.drop_table('process_heartbeat')
