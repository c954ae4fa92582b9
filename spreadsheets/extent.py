"""Scan an upload's worksheets once each, streaming, before any reader allocates them: how far each reaches, and
every other fact of spreadsheets/sheet_facts.py, gathered in the same pass.

python-calamine builds a sheet as a dense range of (last row x last column) cells holding values, whatever the
number of values, so one value at XFD1048576 asks for 512 GiB. The <dimension> element can lie, so the cells'
own references decide (spreadsheets/reach.py places them as calamine does). A sheet beyond the limits is
refused naming its last cell; so is a formula never calculated (spreadsheets/stale_formulas.py, noted.py).

Each sheet is streamed once: the fast proof of smallness, and from the first slice it cannot prove, the listing
of references (Listed); every fact is noted from the same slices. Only an odd sheet is read again: one whose cell
tags are not plain (counted tag by tag, from the start), one the proof left beyond the limits (listed exactly),
and one still beyond them, whose cells are then looked at for their values (an empty styled cell is not data):
first those surely holding one, at the regular expression engine's speed, then, if they are within the limits,
every cell as calamine reads it.
"""
import zipfile
import zlib

from spreadsheets.noted import Noted
from spreadsheets.number_formats import workbook_scientific_styles
from spreadsheets.reach import Counter, Listed, SurelyValued, fast_pattern, slice_is_small
from spreadsheets.sheet_facts import SheetFacts, WorkbookFacts
from spreadsheets.stale_formulas import StaleFormulas
from spreadsheets.unpack import DAMAGED, DamagedPart, xml_slices
from spreadsheets.workbook_part import read_workbook_part

MAX_SHEET_CELLS = 15_000_000  # 500,000 rows x 30 columns; calamine needs about 32 bytes a cell
MAX_SHEET_COLUMNS = 200
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
FIX = "Delete the empty rows and columns beyond your data (select them, right-click, Delete), save and upload again."
UNCALCULATED = ("Sheet '{sheet}' has formulas whose results were never calculated (cell {cell} is the first): the "
                "workbook was written by a program, not saved by Excel, so the service cannot see what they show. "
                "Open it in Excel, save it, and upload it again.")
BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)


class SheetRefused(ValueError):
    """A sheet is beyond the limits (or damaged); the message names the sheet, its last cell and the fix."""


def check_extents(path, max_cells=MAX_SHEET_CELLS, max_columns=MAX_SHEET_COLUMNS) -> list:
    """Raise SheetRefused for the first worksheet beyond the limits; return every sheet's SheetFacts otherwise."""
    return scan_workbook(path, max_cells, max_columns).sheets


def scan_workbook(path, max_cells=MAX_SHEET_CELLS, max_columns=MAX_SHEET_COLUMNS, stale=False, part=None,
                  scientific=False):
    """The WorkbookFacts of the workbook at `path` (a path or a binary file), one pass a sheet; SheetRefused for
    the first worksheet beyond the limits, or with a formula without its result.

    `stale`: refuse a workbook whose formulas were never calculated (placeholder results), before any sheet's
    refusal, as the import does; `part`: its WorkbookPart, when the caller read it already; `scientific`: note
    the numbers shown in a scientific format (the import's client codes: spreadsheets/number_formats.py).
    """
    found, refused = WorkbookFacts(), None
    try:
        with zipfile.ZipFile(path) as archive:
            part = part or read_workbook_part(archive)
            found.date1904 = part.date1904
            formulas = StaleFormulas() if stale and part.calculate_on_load else None
            styles = workbook_scientific_styles(archive, part) if scientific else set()
            for name, member in part.sheets:
                if refused and (formulas is None or formulas.calculated):
                    break  # nothing else can be said first
                try:
                    if refused:  # only the formulas' verdict, said before the refusal, is still open
                        _feed(formulas, archive, member, name)
                        continue
                    facts = sheet_facts(archive, member, name, max_cells, max_columns, part.calculate_on_load,
                                        formulas, styles)
                except (DamagedPart, *BROKEN):
                    if refused:  # the sheet refused first is named: the formulas' verdict is unknown
                        formulas = None
                        break
                    raise
                refused = refused or _refusal(facts, max_cells, max_columns)
                found.sheets.append(facts)
    except DamagedPart as error:
        raise SheetRefused(str(error))
    except BROKEN:
        raise SheetRefused(DAMAGED)
    if formulas is not None and formulas.stale:
        raise SheetRefused(UNCALCULATED.format(sheet=formulas.stale[0], cell=formulas.stale[1]))
    if refused:
        raise SheetRefused(refused)
    return found


def _feed(formulas, archive, part, name):
    """Feed one worksheet to the formulas' check alone: a sheet after a refusal is read once, whatever it holds."""
    formulas.start(name)
    for piece in xml_slices(archive, part):
        formulas.feed(piece)
        if formulas.calculated:
            return


def _beyond(rows, columns, max_cells, max_columns):
    return columns > max_columns or rows * columns > max_cells


def _refusal(facts, max_cells, max_columns):
    """Why a sheet is refused, or None."""
    if _beyond(facts.rows, facts.columns, max_cells, max_columns):
        return refusal(facts, max_cells, max_columns)
    if facts.uncalculated:
        return UNCALCULATED.format(sheet=facts.sheet, cell=facts.uncalculated)
    return None


def refusal(extent, max_cells, max_columns) -> str:
    """The message for a sheet beyond the limits."""
    reach = (f"Sheet '{extent.sheet}' reaches cell {extent.last_cell}: {extent.rows:,} rows x {extent.columns:,} "
             f"columns")
    if extent.columns > max_columns:
        return f"{reach}, more than the {max_columns:,} columns the service reads. {FIX}"
    return (f"{reach} = {extent.cells:,} cells, more than the {max_cells:,} the service reads in one sheet "
            f"(empty cells count: the reader sets out the whole range). {FIX}")


def sheet_facts(archive, part, name, max_cells=MAX_SHEET_CELLS, max_columns=MAX_SHEET_COLUMNS, uncalculated=False,
                formulas=None, scientific=()) -> SheetFacts:
    """The SheetFacts of one worksheet part. `uncalculated`: the workbook asks to be calculated on opening, so
    formula cells without a saved value are looked for; `formulas`: the workbook's StaleFormulas, fed this sheet;
    `scientific`: the cell styles with a scientific number format."""
    if formulas is not None:
        formulas.start(name)
    noted, bounded = Noted(uncalculated, formulas, scientific), _Bounded(fast_pattern(max_cells, max_columns))
    if all(bounded.feed(piece) and noted.feed(piece) for piece in xml_slices(archive, part)):
        rows, columns, exact = bounded.extent()
    else:  # a cell tag not of the plain form: every tag counted, from the start
        if formulas is not None:
            formulas.start(name)
        noted, counter = Noted(uncalculated, formulas, scientific), Counter()
        for piece in xml_slices(archive, part):
            counter.feed(piece)
            noted.feed(piece)
        rows, columns, exact = counter.rows, counter.columns, True
    if _beyond(rows, columns, max_cells, max_columns) and not exact:  # the proof's rectangle with what was listed
        rows, columns, exact = *_counted(archive, part, Listed()), True
    if _beyond(rows, columns, max_cells, max_columns):  # counted as if every cell held a value: look at the values
        rows, columns = _counted(archive, part, SurelyValued())  # those surely there refuse it at once
        if not _beyond(rows, columns, max_cells, max_columns):
            rows, columns = _counted(archive, part, Counter(valued=True))
    return noted.facts(name, rows, columns, exact)


class _Bounded:
    """The fast proof that every cell lies in a small rectangle, slice by slice; from the first slice it cannot
    prove, the listing of references (Listed). feed() is False when a cell tag is not plain (count them)."""

    def __init__(self, fast):
        self.rectangle, self.proving = fast, fast is not None  # fast: (pattern, columns, rows) or None
        self.proved, self.listed = False, Listed()

    def feed(self, piece):
        if self.proving:
            if slice_is_small(piece, self.rectangle[0]):
                self.proved = True
                return True
            self.proving = False  # listed from here on
        return self.listed.feed(piece)

    def extent(self):
        """(rows, columns, exact): with slices proved, the bound of the proof's rectangle and what was listed."""
        if not self.proved:
            return self.listed.rows, self.listed.columns, True
        _, columns, rows = self.rectangle
        return max(rows, self.listed.rows), max(columns, self.listed.columns), False


def _counted(archive, part, counter):
    """(rows, columns) that `counter` (Listed, or Counter when Listed cannot) finds in the part, read again."""
    for piece in xml_slices(archive, part):
        if counter.feed(piece) is False:
            return _counted(archive, part, Counter())
    return counter.rows, counter.columns
