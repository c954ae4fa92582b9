"""A trainer, required to use two-factor sign-in, enrols with an authenticator app and signs in with a code."""
import time

import pyotp
import pytest

from extensions import db
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.helpers import PASSWORD, readable_without_the_key

pytestmark = pytest.mark.browser


def test_trainer_enrols_and_signs_in_with_a_code(live_app, live_server, browser, page, tmp_path):
    live_app.config["REQUIRE_2FA"] = True
    with live_app.app_context():
        trainer = build_world().users["trainer"]
        db.session.remove()
    laptop = browser.new_context().new_page()  # signed in elsewhere before the second factor is on
    sign_in(laptop, live_server.url, trainer, PASSWORD)
    sign_in(page, live_server.url, trainer, PASSWORD)
    assert page.url.endswith("/account/two-factor")  # nothing else until it is set up
    assert page.get_by_role("status").first.inner_text() == "Your role needs two-factor sign-in: set it up to continue."
    assert page.locator(".qr svg").is_visible()
    page.screenshot(path=str(tmp_path / "enrol.png"))
    secret = page.locator("#totp-secret").inner_text()
    app_on_the_phone = pyotp.TOTP(secret)
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "session")
    assert secret not in readable_without_the_key(cookie)  # the cookie is signed, not secret: the key travels sealed in it

    page.fill("#code", app_on_the_phone.now())
    page.click("text=Turn on two-factor sign-in")
    assert page.locator("h1").inner_text() == "Recovery codes"
    assert page.locator(".recovery-codes li").count() == 10
    assert "Every other session of yours has been signed out." in page.get_by_role("status").first.inner_text()
    laptop.reload()
    assert "/sign-in?" in laptop.url  # the session that never gave a code has ended
    laptop.context.close()
    page.click("text=I have kept them: continue")
    assert page.locator("h1").inner_text() == "Overview"

    page.click("text=Sign out")
    sign_in(page, live_server.url, trainer, PASSWORD)
    assert page.locator("h1").inner_text() == "Sign-in code"
    page.fill("#code", app_on_the_phone.at(time.time() + 30))  # the next code: the enrolment's is spent
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Overview"
    assert page.get_by_role("link", name=trainer).is_visible()

