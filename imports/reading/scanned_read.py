"""Open an upload for reading while its sheets' extents are still being scanned, to overlap the two.

The extent scan (spreadsheets/extent.py) reads every cell reference in Python, about a second for 500k
rows; python-calamine parses the first sheet in Rust without the GIL, about three. So in an import's child
process the scan of a large workbook runs while calamine parses, on the other core. What the scan guards
against is calamine's dense range: a far cell makes it ask for more memory than the child has, and the
child dies (or calamine reports the failed allocation). The supervisor then runs the batch again with the
scan first (imports/running/supervisor.py), so a refused sheet is still refused with its name, its last cell and
the fix. A sheet the scan refuses while calamine parses is scanned again once calamine's sheet is dropped
(a scan short of memory beside it would call the file damaged). Everything but the extents (zip sizes, entities, content types) is checked before
calamine opens the file.

calamine parses a copy of the upload, in which each sheet's merged ranges are said to be none, so that it does
not read the whole sheet again for them (spreadsheets/one_pass_copy.py); the scan notes them instead, and the
sheets handed to the reader carry the scan's.
"""
import os
import struct
import tempfile
import threading
import zipfile

import python_calamine

from imports.reading.sheet_notes import note_sheets
from imports.reading.workbook import UnreadableWorkbook, data_sheets, open_workbook, release_memory
from spreadsheets.canonical_parts import canonical_path
from spreadsheets.extent import SheetRefused, scan_workbook
from spreadsheets.guard import UnsafeWorkbook, check_workbook
from spreadsheets.one_pass_copy import write_copy


# Told "ahead" when calamine starts before the scan has passed, "scanned" once it has (the import child tells its
# parent, which runs a batch again with the scan first only if its child died in between).
announce = None
OVERLAP_FROM_BYTES = 16 * 1024 * 1024  # of worksheet XML: about 80,000 rows of 8 columns; the scan takes 0.2 s


def _worksheet_bytes(path):
    """What the zip says its worksheets unpack to (a damaged zip: 0, and the guard says what is wrong)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(m.file_size for m in archive.infolist() if m.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, EOFError):
        return 0


def open_one_pass(path, part):
    """(calamine workbook, whether its merged ranges must come from the scan): the workbook of a copy whose
    sheets calamine parses once, or of the upload itself where no such copy can be made. `part`: the upload's
    WorkbookPart (None: unreadable)."""
    try:
        parts = part.sheets if part is not None else []
        names = [name for name, _ in parts]
        if names and len(set(names)) == len(names):  # each sheet's merged ranges are found by its name
            with tempfile.NamedTemporaryFile(prefix="imr-one-pass-", suffix=".xlsx") as copy:
                if write_copy(path, copy.name, {member for _, member in parts}):
                    return open_workbook(copy.name), True  # calamine holds the file open: it may go
    except (zipfile.BadZipFile, OSError, EOFError, struct.error, UnreadableWorkbook):
        pass  # the upload as it is: calamine says what it makes of it
    return open_workbook(path), False


class ScannedMerges:
    """A calamine sheet of the one-pass copy, with the merged ranges the extent scan found in the upload."""

    def __init__(self, sheet, merged):
        self.sheet, self.merged_cell_ranges = sheet, merged

    def __getattr__(self, name):
        return getattr(self.sheet, name)


class ParsedAhead:
    """A calamine workbook whose first data sheet is being parsed in a thread; the sheet is handed over once.
    `merges_scanned`: the workbook is of the one-pass copy; `merged` ({sheet name: ranges}, from the scan) is
    set before a sheet is asked for."""

    def __init__(self, workbook, merges_scanned=False):
        self.workbook, self.merges_scanned, self.merged = workbook, merges_scanned, {}
        self.sheets_metadata = workbook.sheets_metadata  # read now: calamine refuses while it parses
        sheets = data_sheets(workbook)
        self.index = sheets[0][0] if sheets else None
        self.sheet = self.error = None
        self.thread = threading.Thread(target=self._parse, name="calamine-ahead", daemon=True)
        if self.index is not None:
            self.thread.start()

    def _parse(self):
        try:
            self.sheet = self.workbook.get_sheet_by_index(self.index)
        except Exception as error:  # raised where the reader asks for the sheet, as it would be without us
            self.error = error

    def wait(self):
        if self.index is not None:
            self.thread.join()

    def drop(self):
        """Let go of the sheet parsed ahead (after it is parsed): the reader will ask calamine again."""
        self.wait()
        self.index = self.sheet = self.error = None
        release_memory()

    def get_sheet_by_index(self, index):
        if index != self.index:
            self.wait()  # calamine lends its workbook to one parse at a time: "Already borrowed" while it parses
            return self._with_merges(self.workbook.get_sheet_by_index(index), index)
        self.wait()
        self.index = None  # handed over once: the reader drops the sheet when done with it
        sheet, error, self.sheet, self.error = self.sheet, self.error, None, None
        if error is not None:
            raise error
        return self._with_merges(sheet, index)

    def _with_merges(self, sheet, index):
        name = self.sheets_metadata[index].name
        if not self.merges_scanned or name not in self.merged:
            return sheet
        if self.merged[name] is None:  # ranges calamine could not read: it would fail the sheet, and so do we
            raise python_calamine.CalamineError(f"the merged cells of sheet '{name}' cannot be read")
        return ScannedMerges(sheet, self.merged[name])


def open_checked(path, max_cells, max_columns, overlap=False):
    """(the upload's calamine workbook, its WorkbookNotes) once it passed every check; UnsafeWorkbook when it did not.

    `overlap`: parse while scanning, for a process that a reader's crash may take down (the import child
    only, never a web process). Worksheets of under OVERLAP_FROM_BYTES are scanned first all the same: their
    scan is quick, and hostile files are small. The notes say what calamine cannot see: rows or columns hidden in
    Excel, cells showing errors (imports/reading/sheet_notes.py), and whether days count from 1904; the one scan of each
    sheet finds them, with its extent and its formulas' results (spreadsheets/extent.py).
    """
    check_workbook(path, max_cells=max_cells, max_columns=max_columns, csv_accepted=True, extents=False)
    copy, part = canonical_path(path)
    try:
        return _opened(copy or path, part, max_cells, max_columns, overlap)
    finally:
        if copy:  # calamine holds the copy open: it may go
            os.unlink(copy)


def _opened(path, part, max_cells, max_columns, overlap):
    """open_checked's reading of an upload that passed the guard; `part`: its WorkbookPart (None: unreadable)."""
    overlap = overlap and _worksheet_bytes(path) >= OVERLAP_FROM_BYTES
    if not overlap:
        facts = _scanned(path, max_cells, max_columns, part)
        return open_workbook(path), note_sheets(facts)
    workbook, merges_scanned = open_one_pass(path, part)
    if announce:
        announce("ahead")
    workbook = ParsedAhead(workbook, merges_scanned)
    try:
        facts = scan_workbook(path, max_cells, max_columns, stale=True, part=part, scientific=True)
    except SheetRefused:
        # The scan may have run short of memory beside the sheet (zlib then says "damaged"): once the sheet is
        # dropped, scan again, and say what that scan finds.
        workbook.drop()
        facts = _scanned(path, max_cells, max_columns, part)
    workbook.merged = {sheet.sheet: sheet.merged for sheet in facts.sheets}
    if announce:
        announce("scanned")
    return workbook, note_sheets(facts)


def _scanned(path, max_cells, max_columns, part):
    """The WorkbookFacts of the upload, a workbook never calculated refused too (spreadsheets/stale_formulas.py)."""
    try:
        return scan_workbook(path, max_cells, max_columns, stale=True, part=part, scientific=True)
    except SheetRefused as error:
        raise UnsafeWorkbook(str(error)) from error
