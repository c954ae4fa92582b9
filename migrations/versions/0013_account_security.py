"""Sessions that can be ended, TOTP second factor with recovery codes, sign-in delays instead of a lock

app_user gains session_version (raised to end every session of the user), totp_secret, totp_enabled_at and
totp_last_step; recovery_code keeps hashed one-time codes; sign_in_throttle replaces sign_in_failure (one row
per account, browser or client address with its count and the time the next attempt is allowed).

Revision ID: 0013_account_security
Revises: 0012_assessment_imported_from
Create Date: 2026-11-30 18:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0013_account_security'
down_revision = '0012_assessment_imported_from'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=256), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_recovery_code_user_id_app_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    )
    op.create_index('ix_recovery_code_user_id', 'recovery_code', ['user_id'])
    op.create_table(
        'sign_in_throttle',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('next_allowed_at', sa.Float(), nullable=False),
        sa.Column('last_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttle')),
    )
    op.create_index('ix_sign_in_throttle_last_at', 'sign_in_throttle', ['last_at'])
    # Failed sign-ins are short-lived counters, not records: the new table starts empty.
    op.drop_index('ix_sign_in_failure_email_at', table_name='sign_in_failure')
    op.drop_table('sign_in_failure')


def downgrade():
    op.create_table(
        'sign_in_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure')),
    )
    op.create_index('ix_sign_in_failure_email_at', 'sign_in_failure', ['email', 'at'])
    op.drop_index('ix_sign_in_throttle_last_at', table_name='sign_in_throttle')
    op.drop_table('sign_in_throttle')
    op.drop_index('ix_recovery_code_user_id', table_name='recovery_code')
    op.drop_table('recovery_code')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('totp_last_step')
        batch.drop_column('totp_enabled_at')
        batch.drop_column('totp_secret')
        batch.drop_column('session_version')
