"""The import pages: upload, check, preview, commit; who may do what; downloads."""
import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from extensions import db
from imports.models import ImportBatch
from models import Session
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

EVIL = "-2+3+cmd|' /C calc'!A0"  # text a spreadsheet would run as a formula once edited
GOOD = [["Alpha group", date(2026, 2, 9), 2, "A000", "Y", 60, EVIL, None],
        ["Alpha group", date(2026, 2, 9), 2, "A001", "N", 60, None, None]]


def _upload(auth, data, kind="sessions", agency=None, name="sessions.xlsx"):
    form = {"kind": kind, "file": (io.BytesIO(data), name)}
    if agency:
        form["agency"] = agency
    return auth.post("/imports/upload", form, content_type="multipart/form-data")


def _batches():
    return db.session.scalar(select(func.count()).select_from(ImportBatch))


def test_clerk_uploads_sees_the_preview_commits_and_the_team_page_counts_the_sessions(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["clerk_a"])
    data = wbk.sessions(GOOD)  # one file: openpyxl stamps the time, so two builds can differ
    response = _upload(auth, data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ready to import: 2 new and 0 changed attendance rows" in page
    assert 'data-count="new">2<' in page and "Commit: write these attendance rows" in page
    batch = db.session.scalar(select(ImportBatch))
    assert snapshot()["attendance"] == []  # checking wrote nothing
    response = auth.post(f"/imports/{batch.id}/commit")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported in" in page and f'href="/teams/{world.team_a.id}"' in page
    team_page = client.get(f"/teams/{world.team_a.id}").get_data(as_text=True)
    assert 'data-count="sessions">2<' in team_page  # the session of 2 Feb and the new one of 9 Feb
    listing = client.get("/imports/").get_data(as_text=True)
    assert "sessions.xlsx" in listing and "committed" in listing
    assert auth.post(f"/imports/{batch.id}/commit").status_code == 303  # a second commit is refused politely
    assert len(snapshot()["attendance"]) == 2
    again = client.get(_upload(auth, data).headers["Location"]).get_data(as_text=True)
    assert "Nothing to change: all 2 attendance rows are already recorded" in again
    assert f"The same file was imported before: <a href=\"/imports/{batch.id}\">import #{batch.id}</a>" in again
    assert "/imports/?team_id=" in team_page  # the team page links to imports with this team's template


def test_clerk_naming_another_agency_gets_404_and_nothing_changes(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    before = snapshot()
    auth.login(world.users["clerk_a"])
    assert _upload(auth, wbk.sessions(GOOD), agency="BBB").status_code == 404
    assert _upload(auth, wbk.sessions(GOOD), agency=str(world.agency_b.id)).status_code == 404
    assert _batches() == 0 and snapshot() == before
    auth.logout()
    auth.login(world.users["clerk_b"])
    _upload(auth, wbk.sessions([["Beta group", date(2026, 2, 9), 2, "B000", "Y"]], header=wbk.SESSIONS_HEADER[:5]))
    b_batch = db.session.scalar(select(ImportBatch))
    auth.logout()
    auth.login(world.users["clerk_a"])
    for url in (f"/imports/{b_batch.id}", f"/imports/{b_batch.id}/original", f"/imports/{b_batch.id}/problems.xlsx"):
        assert client.get(url).status_code == 404, url
    assert auth.post(f"/imports/{b_batch.id}/commit").status_code == 404
    assert "Beta" not in client.get("/imports/").get_data(as_text=True)
    assert snapshot() == before


def test_trainer_reads_every_import_but_imports_only_fidelity_history(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["clerk_a"])
    data = wbk.sessions(GOOD)
    _upload(auth, data)
    auth.logout()
    auth.login(world.users["trainer"])
    listing = client.get("/imports/").get_data(as_text=True)
    assert "sessions.xlsx" in listing and 'action="/imports/upload"' in listing
    offered = re.findall(r'<option value="(\w+)">', listing.split('id="kind"')[1].split("</select>")[0])
    assert offered == ["fidelity_history"]
    assert _upload(auth, wbk.sessions(GOOD), agency="AAA").status_code == 403
    batch = db.session.scalar(select(ImportBatch))
    assert auth.post(f"/imports/{batch.id}/commit").status_code == 403
    assert client.get(f"/imports/{batch.id}/original").data == data
    assert client.get(f"/imports/{batch.id}").status_code == 200 and _batches() == 1


def test_admin_chooses_the_agency(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    client, auth = sqlite_client, sqlite_auth
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(sqlite_world.users["admin"])
    response = _upload(auth, wbk.sessions(GOOD))
    assert response.status_code == 400 and "Choose the agency" in response.get_data(as_text=True)
    response = _upload(auth, wbk.sessions([["Beta group", date(2026, 2, 9), 2, "B000", "Y"]],
                                          header=wbk.SESSIONS_HEADER[:5]), agency="BBB")
    assert response.status_code == 303
    assert db.session.scalar(select(ImportBatch)).agency_id == sqlite_world.agency_b.id


def test_the_upload_page_reads_its_teams_programs_in_one_statement(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    """The team list names each team's program and agency: a state's 2,400 teams read their 600 programs one
    statement each (the page took 0.5 s). Its statements do not grow with the programs."""
    from tests.factories import make_program, make_team
    from tests.helpers import statements_sent

    def statements():
        db.session.expunge_all()  # as a request of its own: nothing loaded before it
        with statements_sent() as sent:
            page = sqlite_client.get("/imports/").get_data(as_text=True)
        return len(sent), page

    sqlite_auth.login(sqlite_world.users["admin"])
    few, _ = statements()
    for i in range(12):
        make_team(make_program(sqlite_world.agency_b, f"Extra IMR {i:02d}"), f"Extra team {i:02d}")
    db.session.commit()
    many, page = statements()
    assert many == few and "Extra team 11 (Extra IMR 11, BBB)" in page


def test_problems_are_listed_and_come_back_as_the_workbook_marked(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    client, auth = sqlite_client, sqlite_auth
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(sqlite_world.users["clerk_a"])
    bad = [GOOD[0], ["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, None, None]]
    data = wbk.sessions(bad)
    page = client.get(_upload(auth, data).headers["Location"]).get_data(as_text=True)
    assert "1 problem found: nothing was changed." in page
    assert "<td>Sessions</td><td class=\"num\">3</td><td>D (Client code)</td><td><code>Z999</code></td>" in page
    batch = db.session.scalar(select(ImportBatch))
    assert client.get(f"/imports/{batch.id}/original").data == data
    marked = load_workbook(io.BytesIO(client.get(f"/imports/{batch.id}/problems.xlsx").data))
    sheet = marked["Sessions"]
    assert sheet["I1"].value == "Problems"
    assert sheet["I3"].value.startswith("D (Client code): No participant with client code 'Z999'")
    assert sheet["I2"].value is None and sheet["D3"].fill.fgColor.rgb.endswith("F8D7DA")
    assert sheet["G2"].value == "'" + EVIL  # the upload's own text, neutralised
    assert [c.value for c in marked["Import problems"][2]][:5] == ["Sessions", 3, "D (Client code)", "Z999",
                                                                  "client.unknown"]
    sheet["D3"] = "A002"  # the clerk fixes the cell and uploads the same workbook again
    fixed = io.BytesIO()
    marked.save(fixed)
    location = _upload(auth, fixed.getvalue()).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Ready to import: 2 new" in page and "warning" not in page  # the Problems column is skipped silently
    auth.post(location + "/commit")
    assert db.session.scalar(select(Session.topic).where(Session.topic.is_not(None))) == EVIL  # quote taken off


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.7\n1 0 obj\n", "The file is a PDF document"),  # a PDF named .xlsx
    (wbk.encrypted(wbk.roster([["A1", "Alpha group", None, date(2026, 1, 5), None, None, None]])),
     "password-protected"),
    (wbk.legacy_xls(), "97-2003"),
    (wbk.roster([["A1", "Alpha group", None, date(2026, 1, 5), None, None, None]])[:900], "damaged"),
    (wbk.zip_bomb(), "zip bomb"),
    (wbk.entity_bomb(wbk.roster([["A1", "Alpha group", None, date(2026, 1, 5), None, None, None]])), "entity"),
])
def test_refused_files_are_recorded_with_the_reason_and_change_nothing(sqlite_app, sqlite_world, sqlite_client,
                                                                       sqlite_auth, data, words):
    client, auth = sqlite_client, sqlite_auth
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    before = snapshot()
    auth.login(sqlite_world.users["clerk_a"])
    page = client.get(_upload(auth, data, kind="roster", name="roster.xlsx").headers["Location"])
    assert words in page.get_data(as_text=True)
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.status, [p.rule for p in batch.problems]) == ("rejected", ["file.unsafe"])
    assert snapshot() == before


def test_upload_over_the_size_limit_gets_a_clear_page(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    client, auth = sqlite_client, sqlite_auth
    auth.login(sqlite_world.users["clerk_a"])
    sqlite_app.config["MAX_CONTENT_LENGTH"] = 2048
    response = _upload(auth, b"PK" + b"x" * 5000)
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)
    assert _batches() == 0


def test_an_import_whose_process_died_is_shown_as_interrupted(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    client, auth = sqlite_client, sqlite_auth
    from imports import operations
    batch = operations.create_batch(sqlite_world.agency_a, "roster", "r.xlsx", b"PK")
    batch.status, batch.heartbeat_at = "committing", datetime.utcnow() - timedelta(hours=1)
    batch.claimed_by = "worker gone:1"  # a worker held it and went silent (unclaimed, it would be waiting)
    db.session.commit()
    auth.login(sqlite_world.users["manager_a"])
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "stopped without finishing" in page and "status-interrupted" in page
