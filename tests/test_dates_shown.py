"""Dates are shown one way on every page (24 Nov 2025; moments as 24 Nov 2025, 09:05 EST on the state's clock),
never as ISO text.

Walks every page of every role on the demo state (the accessibility walk's URLs and state, through the test
client) and looks at the visible text only: inputs' values, attributes (<time datetime>, data-*, links) and
scripts keep ISO, which is right there.
"""
import re
import io
from datetime import date, datetime, timedelta, timezone

import pyotp
import pytest
from openpyxl import load_workbook

from date_text import day, iso_moment, moment
from extensions import db
from imports.operations import create_batch
from models import AuditLog
from tests.browser import axe_pages
from tests.browser.axe_world import PASSWORD, ROLE_ACCOUNTS, axe_app
from tests.helpers import Auth, words

ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")
HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.S)  # scripts, styles and every tag with its attributes
# Text that is a file's own, not a date the service shows: examples of what to type (ISO is one way a file may
# write a date) and an import preview's old and new values, the file's text as it will be stored.
FILE_TEXT = re.compile(r'<code>.*?</code>|<td class="(?:old|new)">.*?</td>', re.S)
NOT_SHOWN = {"imports.kind_help": "what a file may hold: its examples column writes dates as a file may"}


def visible_text(html):
    return HIDDEN.sub(" ", FILE_TEXT.sub(" ", html))


# Stored timestamps are naive UTC; New York keeps EST (UTC-5) in winter and EDT (UTC-4) from 8 Mar to 1 Nov 2026.
NEW_YORK = [
    (datetime(2026, 1, 15, 14, 5, 59), "15 Jan 2026, 09:05 EST"),
    (datetime(2026, 7, 15, 14, 5), "15 Jul 2026, 10:05 EDT"),
    (datetime(2026, 3, 8, 6, 59), "8 Mar 2026, 01:59 EST"),  # the last minute before the clocks go forward
    (datetime(2026, 3, 8, 7, 0), "8 Mar 2026, 03:00 EDT"),
    (datetime(2026, 11, 1, 5, 30), "1 Nov 2026, 01:30 EDT"),  # 01:30 twice that night: the zone tells which
    (datetime(2026, 11, 1, 6, 30), "1 Nov 2026, 01:30 EST"),
    (datetime(2026, 1, 16, 2, 0), "15 Jan 2026, 21:00 EST"),  # already the 16th in UTC, still the 15th there
    (datetime(2026, 7, 15, 14, 5, tzinfo=timezone.utc).astimezone(timezone.max), "15 Jul 2026, 10:05 EDT"),
]


@pytest.mark.parametrize("stored, shown", NEW_YORK)
def test_a_moment_is_shown_on_the_state_s_clock_with_its_zone(sqlite_app, stored, shown):
    sqlite_app.config["TIME_ZONE"] = "America/New_York"
    assert moment(stored) == shown
    assert day(stored) == shown.split(",")[0]  # the day a timestamp falls on is the state's day too


def test_a_day_and_a_moment_are_written_one_way(sqlite_app):
    sqlite_app.config["TIME_ZONE"] = "UTC"
    assert day(date(2025, 11, 4)) == "4 Nov 2025"
    assert moment(datetime(2025, 11, 24, 14, 5, 59)) == "24 Nov 2025, 14:05 UTC"
    assert day(None) == moment(None) == "" and iso_moment(None) is None
    # The API keeps ISO, in UTC with its offset, whatever the zone pages use.
    sqlite_app.config["TIME_ZONE"] = "America/New_York"
    assert iso_moment(datetime(2026, 7, 15, 14, 5, 59, 120)) == "2026-07-15T14:05:59.000120Z"
    assert iso_moment(datetime(2026, 7, 15, 10, 5, tzinfo=timezone(timedelta(hours=-4)))) == "2026-07-15T14:05:00Z"


def test_pages_and_downloads_show_stored_times_on_the_state_s_clock(app, client, auth, world):
    app.config["TIME_ZONE"] = "America/New_York"
    winter, summer = datetime(2026, 1, 15, 14, 5), datetime(2026, 7, 15, 14, 5)
    db.session.add_all([AuditLog(at=at, actor="cli", action="update", entity="program", entity_id=1,
                                 field="name", old_value=f"old {at.month}", new_value=f"new {at.month}")
                        for at in (winter, summer)])
    batch = create_batch(world.agency_a, "roster", "roster.xlsx", b"PK", dry_run=True)
    batch.created_at = summer
    db.session.commit()
    auth.login(world.users["admin"])
    audit = words(client.get("/admin/audit"))
    assert "15 Jan 2026, 09:05 EST" in audit and "15 Jul 2026, 10:05 EDT" in audit
    imports = words(client.get("/imports/"))
    assert "15 Jul 2026, 10:05 EDT" in imports
    assert "UTC" not in audit + imports  # neither a heading nor a time says UTC any more
    preview = load_workbook(io.BytesIO(client.get(f"/imports/{batch.id}/preview.xlsx").data))
    assert ["Uploaded", f"15 Jul 2026, 10:05 EDT by {batch.actor}"] in [[c.value for c in row[:2]] for row
                                                                        in preview.worksheets[0].iter_rows()]
    api = client.get(f"/api/v1/imports/{batch.id}").get_json()["imports"]
    assert api["created_at"] == "2026-07-15T14:05:00Z"  # the API keeps UTC, with its offset


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
