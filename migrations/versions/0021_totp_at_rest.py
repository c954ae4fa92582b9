"""two-factor secrets sealed at rest

app_user.totp_secret held the base32 secret as it is, so any copy of the database (a backup, a dump sent for
support) could mint sign-in codes. It now holds a Fernet token (auth/totp_at_rest.py) under a key derived from
TOTP_KEY or else SECRET_KEY: this revision seals the secrets present with the key of the app running it, and
the downgrade opens them again (refusing, before changing anything, when the key cannot open one).

Revision ID: 0021_totp_at_rest
Revises: 0019_day_summaries
Create Date: 2026-12-01 03:10:00

"""
import re

import sqlalchemy as sa
from alembic import op


revision = '0021_totp_at_rest'
down_revision = '0020_rating_points'
branch_labels = None
depends_on = None

_BASE32 = re.compile(r"^[A-Z2-7]+=*$")  # a plain secret; a Fernet token is URL-safe base64 starting "gAAAA"


def _secrets():
    return op.get_bind().execute(sa.text("SELECT id, totp_secret FROM app_user WHERE totp_secret IS NOT NULL")).all()


def _store(found):
    for user_id, value in found:
        op.get_bind().execute(sa.text("UPDATE app_user SET totp_secret = :value WHERE id = :id"),
                              {"value": value, "id": user_id})


def upgrade():
    from auth.totp_at_rest import seal
    with op.batch_alter_table('app_user') as batch:
        batch.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=200),
                           existing_nullable=True)
    _store([(user_id, seal(value)) for user_id, value in _secrets() if _BASE32.match(value)])


def downgrade():
    from auth.totp_at_rest import SecretUnreadable, unseal
    opened, unreadable = [], []
    for user_id, value in _secrets():
        try:
            opened.append((user_id, value if _BASE32.match(value) else unseal(value)))
        except SecretUnreadable:
            unreadable.append(user_id)
    if unreadable:
        raise RuntimeError(f"The two-factor secrets of accounts {unreadable} do not open with this server's key "
                           "(TOTP_KEY or SECRET_KEY): run the downgrade with the key that sealed them, or reset "
                           "those accounts' two-factor sign-in first.")
    _store(opened)
    with op.batch_alter_table('app_user') as batch:
        batch.alter_column('totp_secret', existing_type=sa.String(length=200), type_=sa.String(length=64),
                           existing_nullable=True)
