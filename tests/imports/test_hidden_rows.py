"""Rows hidden in Excel (by a filter or by hand) are imported like the rest: the preview says so, naming them,
before anything is committed. The reader cannot see them; the extent scan notes them."""
from datetime import date

from openpyxl import Workbook

from imports.scanned_read import open_checked
from tests.imports import workbooks as wbk
from tests.imports.conftest import table_counts

ROWS = [["Alpha group", date(2026, 2, 9), 2, code, "Y"] for code in ("A000", "A001", "A002")] + \
       [["Alpha group", date(2026, 2, 16), 2, code, "N"] for code in ("A000", "A001")]


def _filtered_sessions():
    """A session log filtered to Feb 16 the way Excel saves it: an AutoFilter, the other rows hidden; a hidden
    note above the header and hidden empty rows below the data, which are not imported."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sessions"
    sheet.append(["Attendance, February (entered by the front desk)"])
    sheet.append(wbk.SESSIONS_HEADER[:5])
    for row in ROWS:
        sheet.append(row)
    sheet.auto_filter.ref = "A2:E7"
    for n in (1, 3, 4, 5, *range(20, 30)):
        sheet.row_dimensions[n].hidden = True
    return wbk.saved(book)


def _hidden(batch):
    return [(p.sheet, p.sheet_row, p.message) for p in batch.problems if p.rule == "rows.hidden"]


def test_rows_hidden_by_a_filter_are_named_in_the_preview(sqlite_world, run_import_sqlite):
    before = table_counts()
    batch = run_import_sqlite(_filtered_sessions(), "sessions", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 5  # the hidden rows are in the plan too
    assert _hidden(batch) == [("Sessions", 3, "Rows 3-5 of sheet 'Sessions' are hidden in Excel (a filter): they are "
                                              "imported too (3 rows). To import only the rows you see, copy them to "
                                              "a new workbook and upload that instead.")]
    assert table_counts() == before


def test_a_grid_row_hidden_by_hand_is_named(sqlite_world, run_import_sqlite):
    book = Workbook()
    sheet = book.active
    sheet.title = "Grid"
    for row in (["Team", "Alpha group"], ["Module", 2], ["Client code", date(2026, 2, 9)], ["A000", "Y"], ["A001", "Y"]):
        sheet.append(row)
    sheet.row_dimensions[5].hidden = True
    batch = run_import_sqlite(wbk.saved(book), "attendance_grid", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 2
    assert _hidden(batch) == [("Grid", 5, "Row 5 of sheet 'Grid' is hidden in Excel (hidden by hand): it is imported "
                                          "too (1 row). To import only the rows you see, copy them to a new workbook "
                                          "and upload that instead.")]


def test_nothing_hidden_says_nothing(sqlite_world, run_import_sqlite):
    batch = run_import_sqlite(wbk.sessions(ROWS, header=wbk.SESSIONS_HEADER[:5]), "sessions", sqlite_world.agency_a,
                              commit=False)
    assert batch.status == "checked" and _hidden(batch) == []


def test_a_large_file_parsed_while_scanned_has_its_hidden_rows_noted(tmp_path, monkeypatch):
    path = tmp_path / "filtered.xlsx"
    path.write_bytes(_filtered_sessions())
    monkeypatch.setattr("imports.scanned_read.OVERLAP_FROM_BYTES", 0)
    for overlap in (False, True):
        hidden = {}
        open_checked(path, 1000, 10, overlap=overlap, hidden=hidden)
        assert {name: (e.hidden_rows, e.filtered) for name, e in hidden.items()} == {"Sessions": ([[1, 1], [3, 5]], True)}
