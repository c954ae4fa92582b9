"""Keep TOTP secrets encrypted in the database (Fernet, a key derived from TOTP_KEY or else SECRET_KEY).

A copy of the database (a backup, a dump sent for support) then holds no secret that mints sign-in codes. A
secret sealed under another key cannot be read: the caller refuses the code with a message, never a bypass.
"""
import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_PURPOSE = b"imr totp secrets at rest"  # HKDF info: this key serves nothing else derived from the same setting


class SecretUnreadable(Exception):
    """A stored secret that this server's key does not open (the key changed, or the value was altered)."""


def key_setting(config=None) -> str:
    """The setting the key is derived from: TOTP_KEY when set, else SECRET_KEY."""
    config = current_app.config if config is None else config
    return config.get("TOTP_KEY") or config["SECRET_KEY"]


def _fernet(setting) -> Fernet:
    raw = setting.encode() if isinstance(setting, str) else setting
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, setting=None) -> str:
    """The base32 secret encrypted, as text for the account's column."""
    return _fernet(setting or key_setting()).encrypt(secret.encode()).decode("ascii")


def unseal(stored: str, setting=None) -> str:
    """The base32 secret from its stored form; SecretUnreadable when this key does not open it."""
    try:
        return _fernet(setting or key_setting()).decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError) as error:
        raise SecretUnreadable("the two-factor secret was sealed under another key") from error
