"""The preview a clerk reads before committing: old -> new lines, filters, pages, the .xlsx, the API, refusals.

Each batch here is a real upload checked by the real import code; its preview lines are then set to known
ones (as the check writes them into import_change), so that what the page shows can be compared line by line.
"""
import io
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, insert, select

from extensions import db
from imports import operations
from imports.models import ImportBatch, ImportChange, ImportProblem
from models import AuditLog, Participant
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

MOVED = ("Since this preview was made, 1 of its changes no longer applies (another import or an edit changed the "
         "same records): check the new preview and commit again.")


class Tables(HTMLParser):
    """Every table of a page as {id or class: [[cell text]]} (body rows only), whitespace collapsed."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.name, self.row, self.cell, self.in_body = {}, None, None, None, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.name = attrs.get("id") or attrs.get("class")
            self.tables[self.name] = []
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.name].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def rows(html, table="preview-table"):
    return Tables(html).tables[table]


def line(action, subject, field=None, old=None, new=None, cleared=False, row=2, record="participant"):
    return dict(action=action, record=record, subject=subject, sheet="Roster", sheet_row=row, field=field,
                old_value=old, new_value=new, cleared=cleared)


def checked_roster(world, lines=(), problems=(), **changes):
    """A real roster upload checked by the import code (one referral date changed), with these preview lines."""
    data = wbk.roster([["A000", "Alpha group", date(2025, 12, 1), date(2026, 1, 5), None, None, None]])
    batch = operations.create_batch(world.agency_a, "roster", "roster.xlsx", data)
    batch = operations.run(batch.id)
    assert batch.status == "checked", batch.message
    db.session.execute(delete(ImportChange).where(ImportChange.batch_id == batch.id))
    if lines:
        db.session.execute(insert(ImportChange), [dict(batch_id=batch.id, **x) for x in lines])
    if problems:
        db.session.execute(insert(ImportProblem), [dict(batch_id=batch.id, **p) for p in problems])
    for name, value in changes.items():
        setattr(batch, name, value)
    db.session.commit()
    return batch


@pytest.fixture
def clerk(app, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False  # commits run inside the request
    auth.login(world.users["clerk_a"])
    return auth


def test_page_shows_old_to_new_values_cleared_values_and_counts_per_kind(clerk, client, world):
    batch = checked_roster(world, [line("changed", "A000", "Referral date", "2025-03-04", "2025-12-01"),
                                   line("changed", "A001", "End date", "2026-06-30", None, cleared=True, row=3),
                                   line("new", "N100", row=4)],
                           [dict(severity="warning", sheet="Roster", sheet_row=4, sheet_column="A (Client code)",
                                 value="N100", rule="client.similar", message="N100 looks like n100, already known.")],
                           warnings=1)
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "Sheet Roster, row 4, column A (Client code): N100 looks like n100, already known." in page
    assert rows(page) == [
        ["Changed", "participant", "A000", "Referral date", "2025-03-04", "→ 2025-12-01", "Roster", "2"],
        ["Cleared", "participant", "A001", "End date", "2026-06-30", "→ (cleared)", "Roster", "3"],
        ["New", "participant", "N100", "(new record)", "", "", "Roster", "4"]]
    counts = dict(re.findall(r'data-filter="(\w+)"[^>]*>[^<]*<span class="count">([\d,]+)</span>', page))
    assert counts == {"all": "3", "new": "1", "changed": "1", "cleared": "1", "rejected": "0", "warnings": "1"}
    assert '<caption>All changes: lines 1–3 of 3</caption>' in page
    assert 'th scope="col">Old value' in page and 'id="commit-button"' in page
    assert rows(client.get(f"/imports/{batch.id}?action=cleared").get_data(as_text=True)) == [
        ["Cleared", "participant", "A001", "End date", "2026-06-30", "→ (cleared)", "Roster", "3"]]


def test_preview_pages_100_lines_at_a_time_and_filters_by_kind(clerk, client, world):
    lines = [line("changed", f"A{i:05}", "Start date", "2026-01-05", "2026-02-02", row=i + 2) for i in range(250)]
    lines += [line("new", f"N{i:05}", row=300 + i) for i in range(30)]
    batch = checked_roster(world, lines)
    first = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert len(rows(first)) == 100 and rows(first)[0][2] == "A00000" and "Page 1 of 3" in first
    assert f'href="/imports/{batch.id}?action=all&amp;page=2#preview" rel="next"' in first
    last = client.get(f"/imports/{batch.id}?action=all&page=3").get_data(as_text=True)
    assert [r[2] for r in rows(last)] == [f"A{i:05}" for i in range(200, 250)] + [f"N{i:05}" for i in range(30)]
    assert "lines 201–280 of 280" in last and 'rel="next"' not in last and 'rel="prev"' in last
    new = client.get(f"/imports/{batch.id}?action=new").get_data(as_text=True)
    assert {r[0] for r in rows(new)} == {"New"} and len(rows(new)) == 30 and "Page 1 of" not in new
    changed_2 = rows(client.get(f"/imports/{batch.id}?action=changed&page=2").get_data(as_text=True))
    assert [r[2] for r in changed_2] == [f"A{i:05}" for i in range(100, 200)]
    assert "All changes: none" not in first
    assert "Cleared: none" in client.get(f"/imports/{batch.id}?action=cleared").get_data(as_text=True)
    beyond = client.get(f"/imports/{batch.id}?action=new&page=9").get_data(as_text=True)
    assert len(rows(beyond)) == 30  # an old link past the end shows the last page


def test_rejected_rows_list_every_problem_of_a_row(clerk, client, world):
    data = wbk.roster([["N100", "Gamma group", None, "31/02/2026", None, None, None],
                       ["N101", "Alpha group", None, date(2026, 3, 2), None, None, None]])
    batch = operations.run(operations.create_batch(world.agency_a, "roster", "roster.xlsx", data).id)
    assert batch.status == "rejected"
    both = {"B (Team)": ("Gamma group", "team.unknown", "There is no team Gamma group."),
            "D (Start date)": ("31/02/2026", "date.invalid", "31/02/2026 is not a real date.")}
    for column in both.keys() - {p.sheet_column for p in batch.problems}:  # checks that stop at a row's first
        value, rule, message = both[column]                                 # problem: add what they now report
        db.session.add(ImportProblem(batch_id=batch.id, severity="error", sheet="Roster", sheet_row=2,
                                     sheet_column=column, value=value, rule=rule, message=message))
    db.session.commit()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)  # opens on the rejected rows
    problems = rows(page)
    assert sorted((r[0], r[1], r[2]) for r in problems) == [("Roster", "2", "B (Team)"),
                                                             ("Roster", "2", "D (Start date)")]
    assert 'aria-current="page">Rejected rows' in page and 'id="commit-button"' not in page
    assert 'id="problems-download"' in page


def test_download_has_every_line_and_problem_as_xlsx(clerk, client, world):
    lines = [line("changed", f"A{i:05}", "Start date", "2026-01-05", "2026-02-02", row=i + 2) for i in range(240)]
    lines += [line("new", "=HYPERLINK(\"http://x\")", row=300), line("changed", "A9", "End date", "2026-06-30",
                                                                     None, cleared=True, row=301)]
    problems = [dict(severity="warning", sheet="Roster", sheet_row=5, sheet_column="H (Notes)", value="x",
                     rule="column.unknown", message="Column H is not a roster column: it is ignored.")]
    batch = checked_roster(world, lines, problems, warnings=1)
    response = client.get(f"/imports/{batch.id}/preview.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert f"roster-preview-{batch.id}.xlsx" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    changes = [list(r) for r in wb["Changes"].iter_rows(values_only=True)]
    assert changes[0] == ["Change", "Record", "Client code or session", "Field", "Old value", "New value", "Sheet",
                          "Row"]
    assert len(changes) == 1 + 242 and changes[1] == ["Changed", "participant", "A00000", "Start date", "2026-01-05",
                                                      "2026-02-02", "Roster", 2]
    assert changes[-2][:4] == ["New", "participant", "'=HYPERLINK(\"http://x\")", "(new record)"]  # never a formula
    assert changes[-1][4:6] == ["2026-06-30", "(cleared)"]
    assert [list(r) for r in wb["Problems"].iter_rows(values_only=True)][1] == [
        "Roster", 5, "H (Notes)", "x", "column.unknown", "Column H is not a roster column: it is ignored.", "warning"]
    about = dict(wb["Import"].iter_rows(values_only=True))
    assert about["File"] == "roster.xlsx" and about["Status"] == "checked" and about["Changed"] == 240


def test_api_batch_carries_the_preview_paged_and_filtered(clerk, client, world):
    lines = [line("changed", f"A{i:05}", "Start date", "2026-01-05", "2026-02-02", row=i + 2) for i in range(120)]
    lines.append(line("changed", "A9", "End date", "2026-06-30", None, cleared=True, row=200))
    unmatched = [{"sheet": "Roster", "column": "H", "header": "Date of Referral",
                  "samples": ["2025-01-02", "2025-02-03", "2025-03-04"]}]
    batch = checked_roster(world, lines)
    batch.counts = {**batch.counts, "unmatched_columns": unmatched}
    db.session.commit()
    body = client.get(f"/api/v1/imports/{batch.id}?per_page=50&page=2&action=changed").get_json()["imports"]
    view = body["preview"]
    assert (view["total"], view["pages"], view["page"], view["per_page"], view["action"]) == (120, 3, 2, 50, "changed")
    assert [c["subject"] for c in view["changes"]] == [f"A{i:05}" for i in range(50, 100)]
    assert view["changes"][0] == {"action": "changed", "record": "participant", "subject": "A00050",
                                  "field": "Start date", "old_value": "2026-01-05", "new_value": "2026-02-02",
                                  "cleared": False, "sheet": "Roster", "row": 52}
    assert view["counts"]["all"] == 121 and view["counts"]["cleared"] == 1
    assert body["unmatched_columns"] == unmatched and body["ignore_columns"] is False
    cleared = client.get(f"/api/v1/imports/{batch.id}?action=cleared").get_json()["imports"]["preview"]["changes"]
    assert cleared == [{"action": "cleared", "record": "participant", "subject": "A9", "field": "End date",
                        "old_value": "2026-06-30", "new_value": None, "cleared": True, "sheet": "Roster", "row": 200}]
    past = client.get(f"/api/v1/imports/{batch.id}?page=99").get_json()["imports"]["preview"]
    assert (past["changes"], past["pages"], past["total"]) == ([], 2, 121)
    big = client.get(f"/api/v1/imports/{batch.id}?per_page=100000").get_json()["imports"]["preview"]
    assert big["per_page"] == 1000 and len(big["changes"]) == 121
    bad = client.get(f"/api/v1/imports/{batch.id}?action=deleted")
    assert bad.status_code == 400 and "action must be one of" in bad.get_json()["error"]["message"]


def test_unmatched_columns_need_the_ignore_confirmation_to_commit(clerk, client, world):
    unmatched = [{"sheet": "Roster", "column": "H", "header": "Date of Referral",
                  "samples": ["2025-01-02", "2025-02-03", "2025-03-04"]}]
    batch = checked_roster(world)
    batch.counts = {**batch.counts, "unmatched_columns": unmatched}
    db.session.commit()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert rows(page, "unmatched") == [["Roster", "H", "Date of Referral", "2025-01-02, 2025-02-03, 2025-03-04"]]
    assert 'name="ignore_columns"' in page
    before = snapshot()
    refused = client.get(clerk.post(f"/imports/{batch.id}/commit").headers["Location"]).get_data(as_text=True)
    assert "This file has 1 column the service does not recognise: H (Date of Referral)" in refused
    assert "Ignore these columns" in refused and snapshot() == before
    api = client.post(f"/api/v1/imports/{batch.id}/commit", headers=clerk.headers())
    assert api.status_code == 400 and "does not recognise" in api.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "checked" and snapshot() == before
    done = client.post(f"/api/v1/imports/{batch.id}/commit", json={"ignore_columns": True}, headers=clerk.headers())
    assert done.status_code in (200, 202), done.get_json()
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    assert batch.status == "committed" and batch.options["ignore_columns"] is True
    a000 = db.session.scalar(select(Participant).where(Participant.client_code == "A000"))
    assert a000.referral_date == date(2025, 12, 1)


def test_the_page_form_confirms_ignored_columns(clerk, client, world):
    batch = checked_roster(world)
    batch.counts = {**batch.counts, "unmatched_columns": [{"sheet": "Roster", "column": "H", "header": "Group/Ind",
                                                            "samples": ["G"]}]}
    db.session.commit()
    page = client.get(clerk.post(f"/imports/{batch.id}/commit", {"ignore_columns": "1"}).headers["Location"])
    assert "Imported" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).options["ignore_columns"] is True  # beside commit_by (the worker's)


def test_a_discarded_import_cannot_be_committed(clerk, client, world):
    batch = checked_roster(world, [line("changed", "A000", "Referral date", None, "2025-12-01")])
    before = snapshot()
    assert 'id="discard-button"' in client.get(f"/imports/{batch.id}").get_data(as_text=True)
    page = client.get(clerk.post(f"/imports/{batch.id}/discard").headers["Location"]).get_data(as_text=True)
    assert f"Import #{batch.id} was discarded: nothing was written." in page
    assert 'id="import-status">discarded<' in page and 'id="commit-button"' not in page
    said = re.search(r'id="import-message">([^<]*)<', page).group(1)  # who discarded it, and when
    assert re.fullmatch(rf"Discarded by {re.escape(world.users['clerk_a'])} on \d+ \w+ \d{{4}}, \d\d:\d\d \w+ "
                        "before it was committed: nothing was changed.", said), said
    assert "This import was discarded and cannot be committed" in page
    refused = client.get(clerk.post(f"/imports/{batch.id}/commit").headers["Location"]).get_data(as_text=True)
    assert f"Import {batch.id} was discarded: it cannot be committed." in refused
    api = client.post(f"/api/v1/imports/{batch.id}/commit", headers=clerk.headers())
    assert api.status_code == 400 and "was discarded" in api.get_json()["error"]["message"]
    again = client.post(f"/api/v1/imports/{batch.id}/discard", headers=clerk.headers())
    assert again.status_code == 400 and "only a checked import can" in again.get_json()["error"]["message"]
    assert snapshot() == before
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "discard")).all()
    assert [(a.entity_id, a.actor) for a in audit] == [(batch.id, world.users["clerk_a"])]
    other = checked_roster(world)
    body = client.post(f"/api/v1/imports/{other.id}/discard", headers=clerk.headers()).get_json()["imports"]
    assert body["status"] == "discarded"


def test_an_expired_check_shows_why_and_cannot_be_committed(app, clerk, client, world):
    app.config["IMPORT_CHECKED_EXPIRE_DAYS"] = 2
    batch = checked_roster(world, [line("changed", "A000", "Referral date", None, "2025-12-01")],
                           finished_at=datetime.utcnow() - timedelta(days=3))
    fresh = checked_roster(world, finished_at=datetime.utcnow() - timedelta(days=1))
    before = snapshot()
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert 'id="import-status">expired<' in page and "more than 2 days ago" in page
    assert 'id="commit-button"' not in page and 'id="discard-button"' not in page
    assert client.get(f"/api/v1/imports/{batch.id}").get_json()["imports"]["status"] == "expired"
    listed = {b["id"]: b["status"] for b in client.get("/api/v1/imports").get_json()["imports"]}
    assert (listed[batch.id], listed[fresh.id]) == ("expired", "checked")
    api = client.post(f"/api/v1/imports/{batch.id}/commit", headers=clerk.headers())
    assert api.status_code == 400 and f"Import {batch.id} expired" in api.get_json()["error"]["message"]
    refused = client.get(clerk.post(f"/imports/{batch.id}/commit").headers["Location"]).get_data(as_text=True)
    assert "expired: it was checked more than 2 days ago" in refused
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "expired" and snapshot() == before
    assert 'id="commit-button"' in client.get(f"/imports/{fresh.id}").get_data(as_text=True)


def test_a_commit_refused_because_data_moved_shows_that_line_above_the_new_preview(clerk, client, world):
    batch = checked_roster(world, [line("changed", "A000", "Referral date", "2025-11-01", "2025-12-01")],
                           message=MOVED)
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    alert = page.index('class="flash error moved" id="import-message" role="alert">Since this preview was made')
    assert alert < page.index('id="preview-heading"') and 'id="commit-button"' in page
    assert client.get(f"/api/v1/imports/{batch.id}").get_json()["imports"]["preview"]["moved"] == MOVED


def test_another_agencys_import_is_not_found_anywhere(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    data = wbk.roster([["B000", "Beta group", date(2025, 12, 1), date(2026, 1, 5), None, None, None]])
    batch = operations.run(operations.create_batch(world.agency_b, "roster", "roster.xlsx", data).id)
    auth.login(world.users["clerk_a"])
    for url in (f"/imports/{batch.id}", f"/imports/{batch.id}/preview.xlsx", f"/api/v1/imports/{batch.id}",
                f"/api/v1/imports/{batch.id}?action=new&page=2"):
        assert client.get(url).status_code == 404, url
    assert auth.post(f"/imports/{batch.id}/discard").status_code == 404
    assert client.post(f"/api/v1/imports/{batch.id}/discard", headers=auth.headers()).status_code == 404
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "checked"


def test_a_trainer_reads_the_preview_but_cannot_discard(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    batch = checked_roster(world, [line("changed", "A000", "Referral date", None, "2025-12-01")])
    auth.login(world.users["trainer"])
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert rows(page)[0][3:6] == ["Referral date", "(blank)", "→ 2025-12-01"] and 'id="discard-button"' not in page
    assert client.get(f"/imports/{batch.id}/preview.xlsx").status_code == 200
    assert auth.post(f"/imports/{batch.id}/discard").status_code == 403
    assert client.post(f"/api/v1/imports/{batch.id}/discard", headers=auth.headers()).status_code == 403
