"""The offline scoring workbook: a real .xlsx downloaded, filled in with openpyxl, uploaded back."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from extensions import db
from fidelity.models import Rating
from tests.fidelity.factories import GROUP_A, make_visit, rate, user
from tests.imports import other_programs as op, workbooks as wbk

FIRST_ITEM_ROW = 10  # row 9 holds the headings


@pytest.fixture
def visit(app, world):
    return make_visit(world.program_a, [user(world.users["trainer"]), user(world.users["admin"])])


def _download(client, visit):
    response = client.get(f"/fidelity/assessments/{visit.id}/workbook")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    return load_workbook(io.BytesIO(response.data))


def _fill(wb, values, notes=None):
    ws = wb["Ratings"]
    for offset, value in enumerate(values):
        ws.cell(row=FIRST_ITEM_ROW + offset, column=5, value=value)
        ws.cell(row=FIRST_ITEM_ROW + offset, column=6, value=(notes or {}).get(offset + 1))
    return wb


def _upload(auth, visit, wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return auth.post(f"/fidelity/assessments/{visit.id}/workbook",
                     {"workbook": (io.BytesIO(buffer.getvalue()), "ratings.xlsx")},
                     content_type="multipart/form-data")


def _ratings():
    return {r.item_number: (r.value, r.note) for r in db.session.scalars(select(Rating))}


def test_round_trip_enters_the_raters_ratings(visit, client, auth, world):
    auth.login(world.users["trainer"])
    wb = _download(client, visit)
    ws = wb["Ratings"]
    assert ws.cell(row=9, column=5).value == "Rating"
    assert ws.cell(row=FIRST_ITEM_ROW, column=2).value == "Number of people in a session or group"
    assert "5 = All sessions are individual" in ws.cell(row=FIRST_ITEM_ROW, column=4).value
    assert "rate by your state's protocol" in ws.cell(row=FIRST_ITEM_ROW + 5, column=4).value  # item 6
    assert ws.data_validations.dataValidation[0].formula1 == '"1,2,3,4,5"'
    response = _upload(auth, visit, _fill(wb, GROUP_A, {1: "Groups of 6-8 seen", 13: "-no plans seen"}))
    assert response.status_code == 302
    stored = _ratings()
    assert [stored[n][0] for n in range(1, 14)] == GROUP_A
    assert stored[1][1] == "Groups of 6-8 seen" and stored[13][1] == "-no plans seen"
    # Downloading again gives the ratings back, the note that a spreadsheet could run neutralised.
    again = _download(client, visit)["Ratings"]
    assert again.cell(row=FIRST_ITEM_ROW + 12, column=5).value == 2
    assert again.cell(row=FIRST_ITEM_ROW + 12, column=6).value == "'-no plans seen"


@pytest.mark.parametrize("written", [wbk.with_odd_format_ids, op.styles_elsewhere, op.custom_xml,
                                     lambda data: op.workbook_elsewhere(op.strings_elsewhere(op.styles_elsewhere(data)))])
def test_a_workbook_another_program_saved_enters_the_same_ratings(visit, client, auth, world, written):
    """numFmtId="" or "1.0" in the styles, or parts elsewhere than Excel puts them: the import reads such a file, and
    so does the scoring workbook's upload."""
    auth.login(world.users["trainer"])
    data = written(wbk.saved(_fill(_download(client, visit), GROUP_A)))
    response = auth.post(f"/fidelity/assessments/{visit.id}/workbook", {"workbook": (io.BytesIO(data), "r.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [value for value, _ in _ratings().values()] == GROUP_A


def _other_visit(world, wb):
    other = make_visit(world.program_a, [user(world.users["trainer"])], visit_date=date(2026, 5, 5))
    wb["About"]["B2"] = other.id


def _changed_text(world, wb):
    wb["Ratings"].cell(row=FIRST_ITEM_ROW + 2, column=2, value="Curriculum (shortened)")


def _out_of_scale(world, wb):
    wb["Ratings"].cell(row=FIRST_ITEM_ROW + 3, column=5, value=7)


def _na_not_allowed(world, wb):
    wb["Ratings"].cell(row=FIRST_ITEM_ROW + 1, column=5, value="NA")


def _someone_elses(world, wb):
    wb["About"]["B3"] = 2  # the admin's rater row


@pytest.mark.parametrize("spoil, message", [
    (_other_visit, "This workbook belongs to another visit"),
    (_changed_text, "row 12: the number or text of item 3 (Comprehensiveness of the curriculum) was changed"),
    (_out_of_scale, "row 13, column E (item 4, Provision of educational handouts): 7 is outside the scale"),
    (_na_not_allowed, "row 11, column E (item 2, Program length): this item must be rated 1-5"),
    (_someone_elses, "This workbook holds the ratings of admin@state.example"),
])
def test_a_wrong_workbook_is_refused_and_nothing_entered(visit, client, auth, world, spoil, message):
    auth.login(world.users["trainer"])
    wb = _fill(_download(client, visit), GROUP_A)
    spoil(world, wb)
    response = _upload(auth, visit, wb)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert _ratings() == {}


def test_files_that_are_not_workbooks_are_refused_before_parsing(visit, client, auth, world):
    auth.login(world.users["trainer"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/workbook",
                         {"workbook": (io.BytesIO(b"item,rating\n1,5\n"), "ratings.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is a CSV file" in page and "not an Excel workbook (.xlsx)" in page
    assert "Only an Excel workbook (.xlsx) can be uploaded here." in page  # a scoring workbook is never a CSV


def test_submitted_ratings_cannot_be_overwritten_by_a_workbook(visit, client, auth, world):
    auth.login(world.users["trainer"])
    wb = _fill(_download(client, visit), [1] * 13)
    rate(visit, user(world.users["trainer"]), dict(enumerate(GROUP_A, start=1)))
    response = _upload(auth, visit, wb)
    assert response.status_code == 400 and "submitted and can no longer change" in response.get_data(as_text=True)
    assert [v for v, _ in _ratings().values()] == GROUP_A
