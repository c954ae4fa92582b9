"""Second factor: TOTP codes from any authenticator app (RFC 6238, pyotp) and single-use recovery codes.

Secrets are stored sealed (auth/totp_at_rest.py); only this module opens them.

A code is accepted once: the 30-second step it belongs to is stored, and a code of that step or an earlier
one is refused afterwards (one UPDATE decides, so two parallel requests cannot both use it). Recovery codes are
stored as password hashes and marked used by an UPDATE that only one request can win.
"""
import secrets
import time
from datetime import datetime

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, or_, select, update

from auth.passwords import hash_password, matches
from auth.totp_at_rest import SecretUnreadable, seal, unseal
from extensions import db
from models import STATE_ROLES, RecoveryCode, User

ISSUER = "IMR service"
REQUIRED_ROLES = STATE_ROLES  # admins and trainers see every agency: they need the second factor (REQUIRE_2FA)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def required_for(user) -> bool:
    return bool(current_app.config["REQUIRE_2FA"]) and user.role in REQUIRED_ROLES


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn here: the secret never leaves the server."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)


def _clean(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def matching_step(secret: str, code: str) -> int | None:
    """The time step a 6-digit code is valid for (this one or either neighbour, for clock drift), or None."""
    code = _clean(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time() // totp.interval)
    for step in (now_step, now_step - 1, now_step + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


KEY_CHANGED = ("Your two-factor set-up cannot be read by this server (its key has changed), so codes from your "
               "app are not accepted. Use one of your recovery codes, or ask an administrator to reset your "
               "two-factor sign-in.")


SET_UP_AGAIN = ("Signed in with a recovery code. This server cannot read your two-factor set-up (its key has "
                "changed): set it up again now with your app. That replaces your recovery codes.")


def unreadable(user) -> bool:
    """Whether the user's stored secret fails to open under this server's key (then no TOTP code is accepted)."""
    if not user.has_two_factor:
        return False
    try:
        unseal(user.totp_secret)
    except SecretUnreadable:
        return True
    return False


def use_code(user, code: str) -> bool:
    """Accept a TOTP code once (commits when accepted); never when the secret cannot be opened (fails closed)."""
    if not user.has_two_factor:
        return False
    try:
        secret = unseal(user.totp_secret)
    except SecretUnreadable:
        current_app.logger.warning("two-factor secret of account %s does not open with this server's key "
                                   "(TOTP_KEY or SECRET_KEY changed?): its codes are refused", user.id)
        return False
    step = matching_step(secret, code)
    if step is None:
        return False
    won = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(won)


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh ones; the plain codes are returned to show once."""
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
             for _ in range(RECOVERY_CODES)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(_clean(c))) for c in codes)
    return codes


def use_recovery_code(user, code: str) -> bool:
    """Accept an unused recovery code once and mark it used (commits when accepted)."""
    code = _clean(code)
    if len(code) != 10:
        return False
    for row in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))):
        if matches(row.code_hash, code):
            won = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == row.id,
                                                                RecoveryCode.used_at.is_(None))
                                     .values(used_at=datetime.utcnow())).rowcount
            db.session.commit()
            return bool(won)
    return False


def recovery_codes_left(user) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                RecoveryCode.used_at.is_(None))).all())


def enable(user, secret: str, step: int) -> list[str]:
    """Turn the second factor on with a secret confirmed by a code of `step` (not usable again); returns the
    recovery codes to show. The caller commits, with the end of the user's other sessions (auth/sessions.end_all):
    one that began without the second factor must not outlive it."""
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = seal(secret), datetime.utcnow(), step
    return new_recovery_codes(user)


def disable(user) -> None:
    """Remove the second factor and its recovery codes. The caller commits, with the end of the user's sessions."""
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
