"""The visits-due list downloads as CSV and .xlsx: the page's rows, columns and dates, its filters and permission."""
import csv
import html
import io
import re
from datetime import date

from openpyxl import load_workbook

from date_text import day
from extensions import db
from scheduling.due_dates import add_months, describe_status
from tests.helpers import words
from tests.scheduling.factories import make_assessment, set_policy, user

TODAY = date.today()


def download_links(page):
    """The page's CSV and .xlsx links, as a browser follows them."""
    links = re.findall(r'href="([^"]*/visits-due/download[^"]*)"', page.get_data(as_text=True))
    return [html.unescape(link) for link in links]


def csv_rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def xlsx_sheets(response):
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_both_files_hold_the_pages_rows_columns_and_dates(app, client, auth, sched):
    make_assessment(sched.program_a, add_months(TODAY, -6), 3.5, "moderate")  # due today
    set_policy(sched.program_b, trainer=user(sched.users["trainer"]), interval_months=4)
    draft = make_assessment(sched.program_b, TODAY, status="draft")
    auth.login(sched.users["trainer"])
    page = client.get("/visits-due?show=all")
    csv_link, xlsx_link = download_links(page)
    assert "show=all" in csv_link and "file=csv" in csv_link and "file=xlsx" in xlsx_link
    header = ["Agency", "Program", "Due", "Status", "Set by", "Policy", "Trainer", "Visit"]
    beta = [sched.agency_b.code, "Beta IMR", "2026-01-05",
            f"Overdue: {describe_status(date(2026, 1, 5), TODAY)}", "Baseline visit: no final fidelity visit yet",
            "4 / 12 months", sched.users["trainer"], f"In progress: draft of {day(draft.visit_date)}"]
    alpha = [sched.agency_a.code, "Alpha IMR", TODAY.isoformat(), "Upcoming: due today",
             f"6 months after the visit of {day(add_months(TODAY, -6))} (mean 3.50, Moderate fidelity)",
             "Default 6 / 12 months", "Not assigned", ""]
    assert csv_rows(client.get(csv_link)) == [header, beta, alpha]
    for line in (beta, alpha):  # every cell of the file is on the page: the due date as the page writes it, and
        # the status as its badge and words
        shown = [day(date.fromisoformat(v)) if i == 2 else v.replace(": ", " ") if i == 3 else v
                 for i, v in enumerate(line)]
        assert all(v in words(page) for v in shown if v), shown
    sheets = xlsx_sheets(client.get(xlsx_link))
    as_dates = [[date.fromisoformat(v) if i == 2 else (v or None) for i, v in enumerate(line)] for line in (beta, alpha)]
    assert [[v.date() if hasattr(v, "date") else v for v in row] for row in sheets["Visits due"]] == [header, *as_dates]
    about = dict(sheets["About"][1:])
    assert about["Scope"] == "Every active program in the state" and about["As of"] == day(TODAY)
    assert about["Visits"] == "overdue or due within 30 days, and those due later"
    assert about["Downloaded by"] == sched.users["trainer"]
    assert re.fullmatch(r"\d+ \w+ \d{4}, \d\d:\d\d \w+", about["Downloaded on"])  # the state's clock, its zone


def test_the_files_follow_the_filters_and_neutralise_formulas(app, client, auth, sched):
    sched.program_a.name = '=HYPERLINK("http://evil.example","Alpha")'
    db.session.commit()
    auth.login(sched.users["admin"])
    csv_link, xlsx_link = download_links(client.get(f"/visits-due?agency={sched.agency_a.id}"))
    assert [row[1] for row in csv_rows(client.get(csv_link))] == ["Program", "'" + sched.program_a.name]
    assert [row[1] for row in xlsx_sheets(client.get(xlsx_link))["Visits due"]] == ["Program",
                                                                                    "'" + sched.program_a.name]
    assert client.get("/visits-due/download?file=pdf").status_code == 400


def test_a_manager_downloads_their_agency_without_drafts_and_a_clerk_nothing(app, client, auth, sched):
    make_assessment(sched.program_a, TODAY, status="draft")
    auth.login(sched.users["manager_a"])
    rows = csv_rows(client.get(f"/visits-due/download?file=csv&agency={sched.agency_b.id}"))
    assert rows == [rows[0]]  # another agency: nothing
    rows = csv_rows(client.get("/visits-due/download?file=csv"))
    assert [row[1] for row in rows[1:]] == ["Alpha IMR"] and rows[1][7] == ""  # no visit in progress shown
    about = dict(xlsx_sheets(client.get("/visits-due/download?file=xlsx"))["About"][1:])
    assert about["Scope"] == f"Programs of {sched.agency_a.name}"
    auth.logout()
    auth.login(sched.users["clerk_a"])
    assert client.get("/visits-due/download?file=csv").status_code == 403
    assert client.get("/visits-due/download?file=xlsx").status_code == 403


def test_the_file_is_dated_on_the_states_clock_as_the_dashboards_downloads_are(app, client, auth, sched,
                                                                                los_angeles_evening):
    """01:30 UTC on 11 Mar is 18:30 on the 10th in Los Angeles: the file says so, in the dashboards' words."""
    auth.login(sched.users["trainer"])
    about = dict(xlsx_sheets(client.get("/visits-due/download?file=xlsx"))["About"][1:])
    assert about["As of"] == "10 Mar 2026" and about["Downloaded on"] == "10 Mar 2026, 18:30 PDT"
    response = client.get("/visits-due/download?file=csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=visits-due-2026-03-10.csv"
