"""Every chart's numbers download as CSV or .xlsx: the same rows as the table view, safe cells, clear refusals."""
import csv
import html
import io

import pytest
from openpyxl import load_workbook

from scoring.stats import one_way_anova
from tests.dashboards.scenario import WINDOW


def _get(lite, url, who="manager_a", **params):
    if lite.auth.token is None:
        assert lite.auth.login(lite.scenario.world.users[who]).status_code == 302
    return lite.client.get(url, query_string={**WINDOW, **params})


def test_program_workbook_has_every_table(lite):
    response = _get(lite, f"/dashboards/programs/{lite.scenario.world.program_a.id}/download")
    assert response.status_code == 200
    name = "engagement-alpha-imr-2026-01-01-to-2026-03-31.xlsx"
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["About", "Engagement by team", "Exposure per participant", "Engagement by month",
                               "Sessions held per IMR module, b", "Team comparison (one-way ANOVA)",
                               "IMR Fidelity Scale visits in th", "Goal tracking"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Scope"].startswith("Agency: Agency Alpha (AAA) · Program: Alpha IMR")
    assert about["From"] == "2026-01-01"
    teams = {row[0]: row for row in book["Engagement by team"].iter_rows(min_row=2, values_only=True)}
    assert teams["Alpha group"][2:8] == (5, 5, 2, 40.0, 4, 80.0)
    assert teams["Alpha caseload"][5] == "n<5"
    people = {row[0]: row for row in book["Exposure per participant"].iter_rows(min_row=2, values_only=True)}
    assert people["A001"][2:6] == (4, 2, 50.0, "no")
    # full precision in files (the page shows 42.9); .xlsx holds 15 significant digits, as Excel does
    assert teams["Whole program"][5] == pytest.approx(100 * 3 / 7, rel=1e-14)
    comparison = {row[0]: row for row in book["Team comparison (one-way ANOVA)"].iter_rows(min_row=2, values_only=True)}
    expected = one_way_anova([[2, 0, 1, 0, 0], [1, 0]])
    assert comparison["modules completed"][1:5] == (pytest.approx(expected.f, rel=1e-14), 1, 5,
                                                    pytest.approx(expected.p, rel=1e-14))


def test_one_table_as_csv(lite):
    response = _get(lite, f"/dashboards/teams/{lite.scenario.group.id}/download", table="under_the_line", file="csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Client code", "Team", "Sessions offered"]
    assert [r[0] for r in rows[1:]] == ["A001", "A003", "A004"]


def test_overview_download_for_a_trainer(lite):
    response = _get(lite, "/dashboards/state/download", who="trainer", table="programs", file="csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Alpha IMR", "Beta IMR"] and rows[2][5] == "n<5"


def test_bad_download_requests_say_what_to_choose(lite):
    url = f"/dashboards/programs/{lite.scenario.world.program_a.id}/download"
    for params, words in (({"table": "secrets"}, "This dashboard has no table 'secrets'; choose one of teams"),
                          ({"file": "pdf"}, "The file type 'pdf' is not offered; choose csv or xlsx"),
                          ({"file": "csv"}, "A CSV file holds one table"),
                          ({"from": "2026-02-30"}, "The 'from' date '2026-02-30' is not a date")):
        response = _get(lite, url, **params)
        assert response.status_code == 400 and words in html.unescape(response.get_data(as_text=True)), params


def test_client_codes_that_look_like_formulas_are_neutralised(lite):
    from extensions import db
    from models import Participant
    person = db.session.get(Participant, lite.scenario.codes["A003"])
    person.client_code = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    response = _get(lite, f"/dashboards/teams/{lite.scenario.group.id}/download", table="participants", file="csv")
    codes = [r[0] for r in csv.reader(io.StringIO(response.data.decode("utf-8-sig")))]
    assert "'=HYPERLINK(\"http://x\")" in codes
