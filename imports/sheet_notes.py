"""What a workbook's sheets hold that the reader (calamine) cannot see, gathered for the reader to report at its
place: rows and columns hidden in Excel (imports/hidden_rows.py), and cells showing an error (#N/A, #REF!...),
which calamine gives as blank.

The extent scan notes hidden rows and error cells as it streams each sheet (spreadsheets/extent.py); each sheet's
head says which columns are hidden and whether rows are hidden by default (spreadsheets/sheet_head.py).
"""
from dataclasses import dataclass, field

from imports.cells import EXCEL_ERRORS
from imports.problems import column_letter
from spreadsheets.sheet_head import merge_ranges, sheet_heads



@dataclass
class SheetNotes:
    """One sheet's noted parts: rows as [first, last] Excel rows holding values, columns as [first, last] (A = 1),
    error cells as {(Excel row, column index with A = 0): what the cell shows}."""
    hidden_rows: list = field(default_factory=list)
    filtered: bool = False  # an AutoFilter (what hides rows, most often)
    by_default: bool = False  # rows hidden by the sheet's default (zeroHeight), not one by one
    hidden_columns: list = field(default_factory=list)
    error_cells: dict = field(default_factory=dict)


def note_sheets(path, extents) -> dict:
    """{sheet name: SheetNotes} of the sheets of the workbook at `path` with anything noted, from its extent
    scan (`extents`) and the sheets' heads."""
    notes = {extent.sheet: SheetNotes(list(extent.hidden_rows), extent.filtered, error_cells=extent.error_cells)
             for extent in extents if extent.hidden_rows or extent.error_cells}
    for name, head in sheet_heads(path).items():
        sheet = notes.setdefault(name, SheetNotes())
        sheet.hidden_columns = head.hidden_columns
        if head.zero_height:
            sheet.by_default = True
            sheet.hidden_rows = merge_ranges(sheet.hidden_rows + head.hidden_rows)
    return {name: sheet for name, sheet in notes.items()
            if sheet.hidden_rows or sheet.hidden_columns or sheet.error_cells}


def report_error_cells(report, sheet, header_row, notes, read, record=lambda row, column: None):
    """An error at each cell under `header_row` of a column read (`read`: {column index (A = 0): label}) that
    shows an error in Excel: the reader saw it blank. `record(row, column)`: the record id the cell belongs to."""
    if notes is None or not notes.error_cells:
        return
    for (row, column), shows in sorted(notes.error_cells.items()):
        if row > header_row and column in read:
            meaning = EXCEL_ERRORS.get(shows.upper())
            report.error("cell.error", f"{read[column]} shows the error {shows} in Excel"
                                       f"{f' ({meaning})' if meaning else ''}, not a value. Correct the formula, "
                                       "or type the value, and upload again.",
                         sheet, row, f"{column_letter(column)} ({read[column]})", shows, record(row, column))
