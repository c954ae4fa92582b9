"""Rows hidden in Excel (by a filter or by hand) are imported like the rest: the preview says so, naming them,
before anything is committed. The reader cannot see them; the extent scan notes them."""
from datetime import date

from openpyxl import Workbook

from imports.reading.scanned_read import open_checked
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
    monkeypatch.setattr("imports.reading.scanned_read.OVERLAP_FROM_BYTES", 0)
    for overlap in (False, True):
        _, notes = open_checked(path, 1000, 10, overlap=overlap)
        assert {name: (e.hidden_rows, e.filtered) for name, e in notes.sheets.items()} == {"Sessions": ([[1, 1], [3, 5]], True)}


def _sessions_sheet():
    book = Workbook()
    sheet = book.active
    sheet.title = "Sessions"
    sheet.append(wbk.SESSIONS_HEADER[:5] + ["Notes"])
    for row in ROWS:
        sheet.append(row + ["called back"])
    return book, sheet


def _hidden_columns(batch):
    return [(p.sheet, p.sheet_row, p.sheet_column, p.message) for p in batch.problems if p.rule == "columns.hidden"]


def test_a_hidden_column_the_import_reads_is_named_with_its_header(sqlite_world, run_import_sqlite):
    book, sheet = _sessions_sheet()
    for letter in ("D", "F"):  # the client codes, read; the notes, not read (they change nothing)
        sheet.column_dimensions[letter].hidden = True
    batch = run_import_sqlite(wbk.saved(book), "sessions", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 5
    assert _hidden_columns(batch) == [("Sessions", 1, "D (Client code)", "Column D (Client code) of sheet 'Sessions' is "
                                       "hidden in Excel: its values are imported too. Check them in the preview, or "
                                       "unhide the columns (select the columns around them, right-click, Unhide) "
                                       "and look before you upload.")]


def test_a_grid_date_column_hidden_is_named(sqlite_world, run_import_sqlite):
    book = Workbook()
    sheet = book.active
    sheet.title = "Grid"
    for row in (["Team", "Alpha group"], ["Module", 2, 2], ["Client code", date(2026, 2, 9), date(2026, 2, 16)],
                ["A000", "Y", "N"]):
        sheet.append(row)
    sheet.column_dimensions["C"].hidden = True
    batch = run_import_sqlite(wbk.saved(book), "attendance_grid", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 2
    assert [column for _, _, column, _ in _hidden_columns(batch)] == ["C (2026-02-16)"]


def test_rows_hidden_by_default_and_of_height_zero_are_named(sqlite_world, run_import_sqlite):
    book, sheet = _sessions_sheet()
    sheet.sheet_format.zeroHeight = True  # Excel: select all rows, hide, show some: those get a height of their own
    for n in (1, 2, 3, 5):
        sheet.row_dimensions[n].height = 15
    batch = run_import_sqlite(wbk.saved(book), "sessions", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 5
    assert [(row, message.split(":")[0]) for _, row, message in _hidden(batch)] == [
        (4, "Rows 4, 6 of sheet 'Sessions' are hidden in Excel (the sheet hides rows by default)")]


def test_a_row_of_height_zero_is_named(sqlite_world, run_import_sqlite):
    book, _ = _sessions_sheet()  # openpyxl leaves a height of 0 out: set in the XML, as other programs write it
    data = wbk.replace_part(wbk.saved(book), "xl/worksheets/sheet1.xml",
                            lambda xml: xml.replace(b'<row r="4"', b'<row r="4" ht="0" customHeight="1"'))
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a, commit=False)
    assert [(row, message.split(":")[0]) for _, row, message in _hidden(batch)] == [
        (4, "Row 4 of sheet 'Sessions' is hidden in Excel (hidden by hand)")]
