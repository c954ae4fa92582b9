"""Files as agencies' clerks send them: what each ends as, through the page, the CLI and the import itself."""
import io
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from imports.codes import CodeBook
from imports.cells import CellError
from imports.models import ImportBatch
from models import Participant
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

START = date(2026, 3, 2)


def problems(batch):
    return [(p.severity, p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems]


@pytest.mark.parametrize("code", ["John Smith", "Smith, John", "maria garcia-lopez", "SMITH, J.", "O'Neil Anne",
                                  "José Álvarez"])
def test_a_new_client_code_that_is_a_persons_name_is_refused(code):
    with pytest.raises(CellError) as refused:
        CodeBook(["A000"]).text(code)
    assert refused.value.rule == "code.name" and "never names" in refused.value.message


@pytest.mark.parametrize("code", ["A 001", "AB-123", "0457", "ACT 12 B", "JS", "Blue", "X Y"])
def test_codes_with_digits_or_a_single_word_are_codes(code):
    assert CodeBook(["A000"]).text(code) == code


def test_a_known_code_is_the_agencys_own_whatever_it_looks_like():
    assert CodeBook(["Green Heron"]).text("Green Heron") == "Green Heron"


def test_a_roster_with_a_name_in_the_code_column_changes_nothing_and_says_where(app, world, client, auth):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["clerk_a"])
    before = snapshot()
    data = wbk.roster([["A010", "Alpha group", None, START, None, None, None],
                       ["Maria Lopez", "Alpha group", None, START, None, None, None]])
    response = auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(data), "roster.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert batch.status == "rejected"
    assert problems(batch) == [("error", "Roster", 3, "A (Client code)", "Maria Lopez", "code.name")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a person&#39;s name" in page or "a person's name" in page
    assert snapshot() == before
    assert db.session.scalar(select(Participant).where(Participant.client_code == "Maria Lopez")) is None
