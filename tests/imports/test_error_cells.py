"""Cells that show an error in Excel (#N/A, #REF!, #DIV/0!) are refused at their place: the reader sees them blank,
so an optional one kept what is recorded without a word and a required one said only 'required'."""
from datetime import date

from tests.imports import workbooks as wbk
from tests.imports.conftest import table_counts

ROWS = [["Alpha group", date(2026, 2, 2), 1, code, "Y"] for code in ("A000", "A001", "A002")]


def with_errors(data, errors, part="xl/worksheets/sheet1.xml"):
    """The workbook with each cell of `errors` ({cell: '#N/A'}) a formula showing that error, as Excel saves it."""
    def transform(xml):
        text = xml.decode()
        for cell, shows in errors.items():
            start = text.index(f'<c r="{cell}"')
            end = text.index("</c>", start) + 4
            text = text[:start] + f'<c r="{cell}" t="e"><f>VLOOKUP(X1,Y:Y,1,0)</f><v>{shows}</v></c>' + text[end:]
        return text.encode()
    return wbk.replace_part(data, part, transform)


def _errors(batch):
    return [(p.sheet_row, p.sheet_column, p.value, p.message) for p in batch.problems if p.rule == "cell.error"]


def test_error_cells_in_columns_read_are_refused_at_their_cell(sqlite_world, run_import_sqlite):
    before = table_counts()
    data = wbk.sessions([row + [None, "Recovery", None] for row in ROWS])
    data = with_errors(data, {"D2": "#N/A", "G3": "#REF!", "B4": "#DIV/0!"})
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "rejected" and table_counts() == before
    assert [p.rule for p in batch.problems] == ["cell.error"] * 3  # not also 'Client code is required'
    assert _errors(batch) == [
        (2, "D (Client code)", "#N/A", "Client code shows the error #N/A (a lookup found nothing) in Excel, not a "
                                       "value. Correct the formula, or type the value, and upload again."),
        (3, "G (Topic)", "#REF!", "Topic shows the error #REF! (a formula refers to cells that were deleted) in Excel, "
                                  "not a value. Correct the formula, or type the value, and upload again."),
        (4, "B (Session date)", "#DIV/0!", "Session date shows the error #DIV/0! (a division by zero) in Excel, not a "
                                           "value. Correct the formula, or type the value, and upload again.")]


def test_an_error_in_a_column_not_imported_changes_nothing(sqlite_world, run_import_sqlite):
    data = wbk.sessions([row + [None, None, None, "x"] for row in ROWS],
                        header=wbk.SESSIONS_HEADER + ["Lookup"])
    data = with_errors(data, {"I2": "#N/A"})
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and _errors(batch) == []


def test_an_error_in_a_grid_mark_is_refused(sqlite_world, run_import_sqlite):
    data = wbk.grid("Alpha group", [date(2026, 2, 9)], [2], [["A000", "Y"], ["A001", "Y"]])
    batch = run_import_sqlite(with_errors(data, {"B5": "#VALUE!"}), "attendance_grid", sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert [(row, column, value) for row, column, value, _ in _errors(batch)] == [(5, "B (2026-02-09)", "#VALUE!")]
