"""The facts an upload's one scan gathers (spreadsheets/extent.py streams each worksheet once): declared here, once.

The reader (calamine) cannot see most of them, or would see them too late: how far a sheet reaches (its memory),
what is hidden in Excel, which cells show an error, formulas never calculated, the merged ranges, and whether
the workbook counts its days from 1904.
"""
from dataclasses import dataclass, field

from spreadsheets.xml_tags import column_letters


@dataclass
class SheetFacts:
    """One worksheet, as its scan found it. Rows and columns are counted from A1 (0 when it has no values)."""
    sheet: str
    rows: int = 0
    columns: int = 0
    exact: bool = True  # False: only known to be within the limits (the fast path proved a bound)
    hidden_rows: list = field(default_factory=list)  # [first, last] Excel rows hidden in Excel that hold values
    filtered: bool = False  # the sheet has an AutoFilter (what hides rows, most often)
    uncalculated: str | None = None  # the first formula cell without a saved value, in a workbook never calculated
    # The merged ranges calamine would give, [((top, left), (bottom, right))] 0-based; None: calamine fails on them
    merged: list | None = field(default_factory=list)
    error_cells: dict = field(default_factory=dict)  # {(row, column index): '#N/A'...} (spreadsheets/error_cells.py)
    hidden_columns: list = field(default_factory=list)  # [first, last] (A = 1), from the sheet's head
    hides_rows_by_default: bool = False  # <sheetFormatPr zeroHeight="1"/> (spreadsheets/sheet_head.py)
    rows_hidden_by_default: list = field(default_factory=list)  # [first, last] rows holding values it so hides
    scientific: set = field(default_factory=set)  # numbers of cells shown in a scientific format (number_formats.py)

    @property
    def cells(self):
        return self.rows * self.columns

    @property
    def last_cell(self):
        return f"{column_letters(self.columns)}{self.rows}" if self.rows and self.columns else "A1"


@dataclass
class WorkbookFacts:
    """Every worksheet's facts, in the workbook's order, and the workbook's own."""
    sheets: list = field(default_factory=list)  # [SheetFacts]
    date1904: bool = False  # days are counted from 1904 (spreadsheets/workbook_part.py)
