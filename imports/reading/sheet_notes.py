"""What a workbook's sheets hold that the reader (calamine) cannot see, gathered for the reader to report at its
place: rows and columns hidden in Excel (imports/reading/hidden_rows.py), and cells showing an error (#N/A, #REF!...),
which calamine gives as blank; whether the workbook counts its days from 1904; and the numbers it shows in a
scientific format (a client code so shown may have lost digits: imports/kinds/codes.py).

The upload's one scan (spreadsheets/extent.py) finds them all as it streams each sheet: its SheetFacts say which
rows are hidden one by one, what the sheet's head hides (columns, rows by default), and which cells show errors.
"""
from dataclasses import dataclass, field

from imports.reading.problems import column_letter
from spreadsheets.error_cells import error_named
from spreadsheets.sheet_head import merge_ranges


@dataclass
class SheetNotes:
    """One sheet's noted parts: rows as [first, last] Excel rows holding values, columns as [first, last] (A = 1),
    error cells as {(Excel row, column index with A = 0): what the cell shows}."""
    hidden_rows: list = field(default_factory=list)
    filtered: bool = False  # an AutoFilter (what hides rows, most often)
    by_default: bool = False  # rows hidden by the sheet's default (zeroHeight), not one by one
    hidden_columns: list = field(default_factory=list)
    error_cells: dict = field(default_factory=dict)


@dataclass
class WorkbookNotes:
    """sheets: {sheet name: SheetNotes} of the sheets with anything noted; date1904: days count from 1904;
    scientific: the numbers of cells shown in a scientific format, in any sheet."""
    sheets: dict = field(default_factory=dict)
    date1904: bool = False
    scientific: frozenset = frozenset()


def note_sheets(facts) -> WorkbookNotes:
    """The WorkbookNotes of a workbook from its scan's WorkbookFacts."""
    notes = WorkbookNotes(date1904=facts.date1904,
                          scientific=frozenset().union(*(sheet.scientific for sheet in facts.sheets)))
    for sheet in facts.sheets:
        hidden_rows = list(sheet.hidden_rows)
        if sheet.hides_rows_by_default:
            hidden_rows = merge_ranges(hidden_rows + sheet.rows_hidden_by_default)
        if hidden_rows or sheet.hidden_columns or sheet.error_cells:
            notes.sheets[sheet.sheet] = SheetNotes(hidden_rows, sheet.filtered, sheet.hides_rows_by_default,
                                                   sheet.hidden_columns, sheet.error_cells)
    return notes


def report_error_cells(report, sheet, header_row, notes, read, record=lambda row, column: None):
    """An error at each cell under `header_row` of a column read (`read`: {column index (A = 0): label}) that
    shows an error in Excel: the reader saw it blank. `record(row, column)`: the record id the cell belongs to."""
    if notes is None or not notes.error_cells:
        return
    for (row, column), shows in sorted(notes.error_cells.items()):
        if row > header_row and column in read:
            report.error("cell.error", f"{read[column]} shows the error {error_named(shows)} in Excel, not a value. "
                                       "Correct the formula, or type the value, and upload again.",
                         sheet, row, f"{column_letter(column)} ({read[column]})", shows, record(row, column))
