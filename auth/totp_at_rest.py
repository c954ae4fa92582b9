"""Keep TOTP secrets encrypted in the database and in the session cookie (Fernet, keys derived from TOTP_KEY or
else SECRET_KEY).

A copy of the database (a backup, a dump sent for support) then holds no secret that mints sign-in codes. A
secret sealed under another key cannot be read: the caller refuses the code with a message, never a bypass.

A secret being set up waits in the session cookie until a code confirms it. The cookie is signed, not
encrypted: anyone who sees it (a proxy's log, a shared laptop) could read a plain secret, so it is sealed too,
under a key of its own purpose, bound to its user and with an age limit (seal_pending, unseal_pending).
"""
import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_PURPOSE = b"imr totp secrets at rest"  # HKDF info: this key serves nothing else derived from the same setting
_PENDING_PURPOSE = b"imr totp secret being set up"  # so a sealed column value is never taken for a pending one


class SecretUnreadable(Exception):
    """A stored secret that this server's key does not open (the key changed, or the value was altered)."""


def key_setting(config=None) -> str:
    """The setting the key is derived from: TOTP_KEY when set, else SECRET_KEY."""
    config = current_app.config if config is None else config
    return config.get("TOTP_KEY") or config["SECRET_KEY"]


@lru_cache(maxsize=8)
def _fernet(setting, purpose=_PURPOSE) -> Fernet:
    """The Fernet of a key setting and purpose, derived once (HKDF on every code check and page of the set-up)."""
    raw = setting.encode() if isinstance(setting, str) else setting
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def _open(token: str, purpose: bytes, setting=None, ttl=None) -> str:
    """The text sealed in `token` for `purpose`; SecretUnreadable when this key does not open it (another key,
    another purpose, altered, or older than ttl seconds)."""
    try:
        return _fernet(setting or key_setting(), purpose).decrypt(token.encode("ascii"), ttl=ttl).decode()
    except (InvalidToken, ValueError, UnicodeError) as error:
        raise SecretUnreadable("the two-factor secret was sealed under another key") from error


def seal(secret: str, setting=None) -> str:
    """The base32 secret encrypted, as text for the account's column."""
    return _fernet(setting or key_setting()).encrypt(secret.encode()).decode("ascii")


def unseal(stored: str, setting=None) -> str:
    """The base32 secret from its stored form; SecretUnreadable when this key does not open it."""
    return _open(stored, _PURPOSE, setting)


def seal_pending(secret: str, user_id: int) -> str:
    """A secret being set up, encrypted for the session cookie and bound to its user."""
    return _fernet(key_setting(), _PENDING_PURPOSE).encrypt(f"{user_id}:{secret}".encode()).decode("ascii")


def unseal_pending(sealed, user_id: int, max_age: int) -> str | None:
    """The secret being set up, or None when missing, older than max_age seconds, another user's or altered."""
    if not isinstance(sealed, str):
        return None
    try:
        owner, _, secret = _open(sealed, _PENDING_PURPOSE, ttl=max_age).partition(":")
    except SecretUnreadable:
        return None
    return secret if owner == str(user_id) else None
