"""Two-factor steps as a person takes them (enrol, give a code), and an account read afresh."""
import re

import pyotp
from sqlalchemy import select

from extensions import db
from models import User
from tests.helpers import csrf_token_in


def user_by_email(email):
    """The account as the database holds it now."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def shown_key(html: str) -> str:
    """The set-up key the two-factor page shows to type into an app."""
    return re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)


def enrol(client, auth, clock):
    """Set up two-factor sign-in on the signed-in account as a person would; the secret and recovery codes."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = shown_key(page)
    assert "<svg" in page and f"secret={secret}" in page  # the QR code and the otpauth address beside it
    response = auth.post("/account/two-factor", data={"code": pyotp.TOTP(secret).at(clock[0])})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def code_step(client, code):
    """Give a code (an authenticator's or a recovery code) at the sign-in's second step."""
    token = csrf_token_in(client.get("/sign-in/code").get_data(as_text=True))
    return client.post("/sign-in/code", data={"code": code, "csrf_token": token})
