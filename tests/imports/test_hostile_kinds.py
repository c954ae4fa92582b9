"""Every import kind besides the attendance grid (roster, session log, goal tracking, historical ratings) given hostile
or unusual files through the upload page: each is refused saying what and where, the page answers, and nothing in
the database changes. One world a kind, each file's difference collected by its name."""
import io

import pytest
from sqlalchemy import select

from extensions import db
from imports.models import ImportBatch
from tests import hostile_files as hostile
from tests.imports import other_programs as op, workbooks as wbk
from tests.imports.conftest import snapshot, table_counts
from tests.imports.test_error_cells import with_errors
from tests.imports.test_other_programs import KINDS

SWEPT = ["roster", "sessions", "goals", "fidelity_history"]


def _merged_header(sheet, rows):
    book = wbk.load_workbook(io.BytesIO(op.excel({sheet: rows})))
    book[sheet].merge_cells("A1:B1")  # the first two headings merged: the second one is gone
    return wbk.saved(book)


# name -> (the file from (sheet, rows), [(sheet or None, row or None, rule)] its problems start with, words in the
# first message)
FILES = {
    "0-byte file": (lambda sheet, rows: b"", None, "The uploaded file is empty."),  # refused by the page itself
    "corrupt zip": (lambda sheet, rows: op.excel({sheet: rows})[:3000], [(None, None, "file.unsafe")], "damaged"),
    "password-protected": (lambda sheet, rows: wbk.encrypted(op.excel({sheet: rows})), [(None, None, "file.unsafe")],
                           "password-protected (encrypted)"),
    ".xls renamed .xlsx": (lambda sheet, rows: wbk.legacy_xls(), [(None, None, "file.unsafe")], "97-2003"),
    ".ods renamed .xlsx": (lambda sheet, rows: op.ods(rows[:1]), [(None, None, "file.unsafe")], "(.ods)"),
    "zip bomb": (lambda sheet, rows: wbk.zip_bomb(), [(None, None, "file.unsafe")], "zip bomb"),
    "entity bomb": (lambda sheet, rows: wbk.entity_bomb(op.excel({sheet: rows})), [(None, None, "file.unsafe")],
                    "entity declarations"),
    "a Target read two ways": (lambda sheet, rows: hostile.target_read_two_ways(op.excel({sheet: rows[:2]}),
                                                                             op.excel({sheet: rows})),
                               [(None, None, "file.unsafe")], "damaged"),
    "XFD1048576": (lambda sheet, rows: hostile.dimension_bomb(), [(None, None, "file.unsafe")], "XFD1048576"),
    "empty workbook": (lambda sheet, rows: wbk.xlsx({"Sheet1": []}), [("Sheet1", None, "sheet.empty")],
                       "its sheets are empty"),
    "header only": (lambda sheet, rows: op.excel({sheet: rows[:1]}), [("*", 1, "sheet.empty")], "no data rows"),
}


def _upload(auth, data, kind):
    return auth.post("/imports/upload", {"kind": kind, "agency": "AAA", "file": (io.BytesIO(data), "hostile.xlsx")},
                     content_type="multipart/form-data")


@pytest.mark.parametrize("kind", SWEPT)
def test_every_kind_refuses_a_hostile_file_saying_what_and_where(sqlite_app, sqlite_world, sqlite_client,
                                                                 sqlite_auth, kind):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False  # run inside the request: a crash would show here
    sqlite_auth.login(sqlite_world.users["admin"])
    sheet, rows, header_at, _ = KINDS[kind]
    counts, before = table_counts(), snapshot()
    differ = {}
    for name, (make, starts, words) in FILES.items():
        response = _upload(sqlite_auth, make(sheet, rows), kind)
        if starts is None:  # no batch is recorded
            if (response.status_code, words in response.get_data(as_text=True)) != (400, True):
                differ[name] = (response.status_code, response.get_data(as_text=True)[-500:])
            continue
        batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
        found = [(p.sheet if p.sheet != sheet else "*", p.sheet_row, p.rule) for p in batch.problems]
        page = sqlite_client.get(response.headers["Location"])
        outcome = (response.status_code, batch.status, found[:len(starts)], words in batch.problems[0].message,
                   page.status_code, "nothing was changed" in page.get_data(as_text=True))
        if outcome != (303, "rejected", starts, True, 200, True):
            differ[name] = outcome
    assert differ == {}
    assert table_counts() == counts and snapshot() == before


@pytest.mark.parametrize("kind", SWEPT)
def test_every_kind_refuses_a_row_given_twice_or_a_cell_showing_an_error_at_its_place(sqlite_world,
                                                                                       run_import_sqlite, kind):
    """A row repeated under the data is named at the repeat, with the row it repeats; a required cell showing #N/A
    is named with the error, not called blank: nothing is written either way."""
    sheet, rows, header_at, records = KINDS[kind]
    before = snapshot()
    batch = run_import_sqlite(op.excel({sheet: rows + rows[header_at + 1:]}), kind, sqlite_world.agency_a)
    repeats = [(p.sheet, p.sheet_row, p.rule) for p in batch.problems if p.severity == "error"]
    first = header_at + 2  # the Excel row of the first record
    assert batch.status == "rejected" and repeats[0] == (sheet, first + records, "key.duplicate")
    assert f"row {first}" in batch.problems[0].message
    data = with_errors(op.excel({sheet: rows}), {f"A{first}": "#N/A"})  # each kind's first column is required
    batch = run_import_sqlite(data, kind, sqlite_world.agency_a)
    errors = [p for p in batch.problems if p.severity == "error"]  # goals: also the short-term goal left without it
    assert [p.rule for p in errors].count("cell.error") == 1
    problem = errors[0]
    assert (batch.status, problem.sheet, problem.sheet_row, problem.sheet_column[:1], problem.value, problem.rule) == (
        "rejected", sheet, first, "A", "#N/A", "cell.error")
    assert snapshot() == before


# A date typed as text, as clerks in many places type it -> the day read, or the rule refusing it (never a guess)
TYPED_DATES = {"03.02.2026": "date.ambiguous", "03/02/26": "date.ambiguous", "3. Februar 2026": "date.invalid",
               "3 févr. 2026": "date.invalid", "2026年2月3日": "date.invalid", "3/2": "date.invalid",
               "2026/02/03": "2026-02-03", "2026.02.03": "2026-02-03", "3-Feb-2026": "2026-02-03",
               "13/02/2026": "2026-02-13", "Tuesday, February 3, 2026": "2026-02-03", "20260203": "2026-02-03"}


@pytest.mark.parametrize("kind, column", [("roster", 3), ("goals", 4)])
def test_dates_typed_in_many_locales_are_read_or_refused_never_guessed(sqlite_world, run_import_sqlite, kind, column):
    sheet, rows, header_at, _ = KINDS[kind]
    found = {}
    for text in TYPED_DATES:
        typed = [list(row) for row in rows]
        typed[-1][column] = text  # the last record: a short-term goal's date set stays after its long-term goal's
        batch = run_import_sqlite(op.excel({sheet: typed}), kind, sqlite_world.agency_a, commit=False)
        refused = [p.rule for p in batch.problems if p.severity == "error"]
        read = any(TYPED_DATES[text] in (change.new_value or "") for change in batch.changes)
        found[text] = refused[0] if refused else TYPED_DATES[text] if read else "misread"
    assert found == TYPED_DATES
