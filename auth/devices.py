"""Recognise a browser that signed in to an account before, so guessing elsewhere cannot keep its owner out.

After a full sign-in the browser gets a signed cookie naming the user and a random id of its own. A later
attempt for that account from that browser is counted under the browser's id instead of the account's
email, so an attacker who runs the account's count up (and its waits long) delays only strangers' browsers,
never the owner's (the "device cookie" defence in OWASP's authentication guidance).
"""
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "imr_device"
MAX_AGE = 180 * 24 * 3600  # half a year; signing in again renews it


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="imr-known-browser")


def recognised(user) -> str | None:
    """This browser's id when its cookie was issued to this user, else None."""
    value = request.cookies.get(COOKIE)
    if user is None or not value:
        return None
    try:
        data = _serializer().loads(value, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.id or not isinstance(data.get("d"), str):
        return None
    return data["d"]


def remember(response, user) -> None:
    """Mark this browser as one the user signs in from."""
    value = _serializer().dumps({"u": user.id, "d": recognised(user) or secrets.token_urlsafe(12)})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
