"""Dates are shown one way on every page (24 Nov 2025; moments as 24 Nov 2025, 14:05 UTC), never as ISO text.

Walks every page of every role on the demo state (the accessibility walk's URLs and state, through the test
client) and looks at the visible text only: inputs' values, attributes (<time datetime>, data-*, links) and
scripts keep ISO, which is right there.
"""
import re
from datetime import date, datetime, timezone

import pyotp
import pytest

from date_text import day, moment
from tests.browser import axe_pages
from tests.browser.axe_world import PASSWORD, ROLE_ACCOUNTS, axe_app
from tests.helpers import Auth

ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")
HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S)  # scripts, styles and every tag with its attributes
# Text that is a file's own, not a date the service shows: examples of what to type (ISO is one way a file may
# write a date) and an import preview's old and new values, the file's text as it will be stored.
FILE_TEXT = re.compile(r'<code>.*?</code>|<td class="(?:old|new)">.*?</td>', re.S)
NOT_SHOWN = {"imports.kind_help": "what a file may hold: its examples column writes dates as a file may"}


def visible_text(html):
    return HIDDEN.sub(" ", FILE_TEXT.sub(" ", html))


def test_a_day_and_a_moment_are_written_one_way():
    assert day(date(2025, 11, 4)) == "4 Nov 2025"
    assert moment(datetime(2025, 11, 24, 14, 5, 59)) == "24 Nov 2025, 14:05 UTC"
    aware = datetime(2025, 11, 24, 9, 5, tzinfo=timezone.utc).astimezone(timezone.max)
    assert moment(aware) == "24 Nov 2025, 09:05 UTC"
    assert day(None) == moment(None) == ""


def test_visible_text_leaves_out_attributes_inputs_and_scripts():
    html = ('<time datetime="2026-02-23">23 Feb 2026</time><input value="2026-02-23"><a href="/x?from=2026-02-23">'
            'link</a><script>var d = "2026-02-23";</script><td>2026-02-24</td><code>2026-02-25</code><td class="new">2026-02-26</td>')
    assert ISO.findall(visible_text(html)) == ["2026-02-24"]


@pytest.fixture(scope="module")
def world_app(sqlite_template, tmp_path_factory):
    return axe_app(sqlite_template, tmp_path_factory, "dates")


@pytest.mark.parametrize("role", axe_pages.ROLES)
def test_no_page_a_role_sees_shows_an_iso_date(world_app, role):
    app, world = world_app
    auth = Auth(app.test_client())
    assert auth.login(ROLE_ACCOUNTS[role], PASSWORD).status_code == 302
    if role == "admin":  # the admin signs in with a code
        code = pyotp.TOTP(world.admin_secret).now()
        assert auth.post("/sign-in/code", {"code": code}).status_code == 302
    found, pages = [], 0
    for endpoint, url in axe_pages.walk(app, world):
        if endpoint in NOT_SHOWN:
            continue
        response = auth.client.get(url)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue  # not this role's page
        pages += 1
        text = visible_text(response.get_data(as_text=True))
        found += [f"{url}: ...{text[max(0, m.start() - 60):m.end() + 20].split()}..." for m in ISO.finditer(text)]
    assert pages > 5, f"{role} was served only {pages} pages: the walk did not sign in"
    assert found == [], "\n".join(found)
