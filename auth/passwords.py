"""Password policy after NIST SP 800-63B: long enough, not common, not the account's own name; no other rules.

The same check runs wherever a password is set: the admin's user page, a user changing their own, the
`create-user` command and the demo data. Checking a password at sign-in costs the same whether or not the
account exists (a dummy hash is checked for unknown emails), so timing tells nobody which accounts exist.
"""
import os
import unicodedata
from functools import cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 200  # NIST asks for at least 64; longer would only make hashing a way to slow the server
COMMON_PASSWORDS_FILE = os.path.join(os.path.dirname(__file__), "common-passwords.txt")  # source: *.LICENSE


@cache
def common_passwords() -> frozenset:
    with open(COMMON_PASSWORDS_FILE, encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def normalize(password: str) -> str:
    """The form a password is hashed in: NFKC, so the same characters typed on another device still match."""
    return unicodedata.normalize("NFKC", password)


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a new password is refused, in words for the person choosing it, or None when it is fine."""
    password = normalize(password or "")
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters (it has {len(password)})."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) == 1:
        return "That password is one of the most common ones people use; choose another."
    name = (email or "").lower().split("@")[0]
    if email and (lowered == email.lower() or (len(name) >= 4 and name in lowered)):
        return "The password must not contain the account's email address or its name part."
    return None


def _method() -> str:
    # scrypt: slow and salted, Werkzeug's default. Tests may lower the cost through the config.
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(normalize(password), method=_method())


def matches(password_hash: str, password: str) -> bool:
    """Whether a password matches a stored hash (hashes made before normalising are checked as typed too)."""
    normal = normalize(password)
    return check_password_hash(password_hash, normal) or (normal != password
                                                          and check_password_hash(password_hash, password))


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def check_sign_in(user, password: str) -> bool:
    """Whether the password is the user's, taking as long for an unknown email (user None) as for a known one."""
    if user is None:
        matches(_dummy_hash(_method()), password)
        return False
    return matches(user.password_hash, password)
