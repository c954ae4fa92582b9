"""Find each worksheet's real extent from its cell references, streaming, before any reader allocates it.

python-calamine builds a sheet as a dense range of (last row x last column) cells, whatever the number of
values, so one cell at XFD1048576 asks for 512 GiB. The <dimension> element can lie; calamine places a cell
by its own r attribute (the last one, when repeated), and a cell or row without r by counting: a row
without r follows the previous one, a cell without r follows the previous cell of its row.

The scan streams the sheet's XML in slices. Excel-like sheets (every cell tag `<c r="A1" ...>`, small
references) pass one regular expression per slice that proves the extent stays inside a rectangle within
the limits; any other sheet is counted exactly, tag by tag, the way calamine places cells. Empty cells count
too (calamine skips them, so the figure is an upper bound).
"""
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

from spreadsheets.error_cells import ErrorCells
from spreadsheets.error_cells import column_number as _column_number
from spreadsheets.unpack import DAMAGED, DamagedPart, xml_slices

MAX_SHEET_CELLS = 15_000_000  # 500,000 rows x 30 columns; calamine needs about 32 bytes a cell
MAX_SHEET_COLUMNS = 200
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
FIX = "Delete the empty rows and columns beyond your data (select them, right-click, Delete), save and upload again."
UNCALCULATED = ("Sheet '{sheet}' has formulas whose results were never calculated (cell {cell} is the first): the "
                "workbook was written by a program, not saved by Excel, so the service cannot see what they show. "
                "Open it in Excel, save it, and upload it again.")


class SheetRefused(ValueError):
    """A sheet is beyond the limits (or damaged); the message names the sheet, its last cell and the fix."""


@dataclass
class Extent:
    """How far a sheet reaches: rows and columns counted from A1 (0 when it has no cells)."""
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

    @property
    def cells(self):
        return self.rows * self.columns

    @property
    def last_cell(self):
        return f"{column_letters(self.columns)}{self.rows}" if self.rows and self.columns else "A1"


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_extents(path, max_cells=MAX_SHEET_CELLS, max_columns=MAX_SHEET_COLUMNS) -> list:
    """Raise SheetRefused for the first worksheet beyond the limits; return every sheet's Extent otherwise."""
    found = []
    try:
        with zipfile.ZipFile(path) as archive:
            uncalculated = _calculated_on_load(archive)
            for name, part in worksheet_parts(archive):
                extent = sheet_extent(archive, part, name, max_cells, max_columns, uncalculated)
                if extent.columns > max_columns or extent.cells > max_cells:
                    raise SheetRefused(refusal(extent, max_cells, max_columns))
                if extent.uncalculated:
                    raise SheetRefused(UNCALCULATED.format(sheet=name, cell=extent.uncalculated))
                found.append(extent)
    except DamagedPart as error:
        raise SheetRefused(str(error))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError):
        raise SheetRefused(DAMAGED)
    return found


def refusal(extent, max_cells, max_columns) -> str:
    """The message for a sheet beyond the limits."""
    reach = (f"Sheet '{extent.sheet}' reaches cell {extent.last_cell}: {extent.rows:,} rows x {extent.columns:,} "
             f"columns")
    if extent.columns > max_columns:
        return f"{reach}, more than the {max_columns:,} columns the service reads. {FIX}"
    return (f"{reach} = {extent.cells:,} cells, more than the {max_cells:,} the service reads in one sheet "
            f"(empty cells count: the reader sets out the whole range). {FIX}")


def worksheet_parts(archive):
    """[(sheet name, zip member)] of every worksheet a reader could open: the workbook's relationships name
    them (in any folder), the workbook names them; parts under xl/worksheets/ are scanned even if unlisted."""
    names = set(archive.namelist())
    targets, titles = {}, {}
    try:
        with archive.open("xl/_rels/workbook.xml.rels") as rels:
            for _, element in ElementTree.iterparse(rels):
                if element.tag.endswith("Relationship") and element.get("Type", "").endswith("/worksheet"):
                    target = element.get("Target", "")
                    targets[element.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                                  else posixpath.normpath(posixpath.join("xl", target)))
        with archive.open("xl/workbook.xml") as workbook:
            for _, element in ElementTree.iterparse(workbook):
                if element.tag.rpartition("}")[2] == "sheet":
                    ids = [v for k, v in element.attrib.items() if k.endswith("}id")]  # transitional or strict
                    if ids:
                        titles.setdefault(ids[0], element.get("name"))
                elif element.tag.rpartition("}")[2] == "sheets":
                    break
    except (KeyError, ElementTree.ParseError):  # no usable map: the parts under xl/worksheets/ below
        pass
    parts = [(titles.get(rid) or posixpath.basename(part), part) for rid, part in targets.items() if part in names]
    listed = {part for _, part in parts}
    parts += [(posixpath.basename(n), n) for n in sorted(names)
              if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in listed]
    return parts


def sheet_extent(archive, part, name, max_cells=MAX_SHEET_CELLS, max_columns=MAX_SHEET_COLUMNS,
                 uncalculated=False) -> Extent:
    """The extent of one worksheet part: proved within the limits by the fast path, or counted exactly.
    `uncalculated`: the workbook was never calculated, so formula cells without a saved value are looked for."""
    fast = _fast_pattern(max_cells, max_columns)
    if fast is not None:
        pattern, columns, rows = fast
        noted = _Noted(uncalculated)
        if all(_slice_is_small(piece, pattern) and noted.feed(piece) for piece in xml_slices(archive, part)):
            return noted.extent(name, rows, columns, exact=False)
    listed, noted = _Listed(), _Noted(uncalculated)
    if all(listed.feed(piece) and noted.feed(piece) for piece in xml_slices(archive, part)):
        found = noted.extent(name, listed.rows, listed.columns)
    else:
        counter, noted = _Counter(), _Noted(uncalculated)
        for piece in xml_slices(archive, part):
            counter.feed(piece)
            noted.feed(piece)
        found = noted.extent(name, counter.rows, counter.columns)
    if found.columns > max_columns or found.cells > max_cells:  # counted as if every cell held a value: look
        found.rows, found.columns = _valued_extent(archive, part)
    return found


def _valued_extent(archive, part):
    """(rows, columns) of the cells holding a value, as calamine reads them: an empty cell with a style
    (<c r="AZ1048576" s="3"><v></v></c>) is no part of its range."""
    counter = _Counter(valued=True)
    for piece in xml_slices(archive, part):
        counter.feed(piece)
    return counter.rows, counter.columns


# After a cell's reference: other attributes, double-quoted, none of them an 'r' key (calamine takes the last r).
_TAIL = rb"""[^>"'r]*(?:(?:"[^"<>]*"|r(?!\s*=))[^>"'r]*)*>"""


# --- fast path: prove that every cell reference lies inside one rectangle ---------------------------------
def _fast_pattern(max_cells, max_columns):
    """(regex finding any cell tag not of the form <c r="SMALL"...>, columns, rows) or None when none fits.

    SMALL is one letter (A..some letter) and at most d digits: the rectangle of largest area within the limits,
    for 15 million cells and 200 columns A-O x 999,999 rows. Besides r, only s= and t= attributes (all Excel
    writes on a plain cell) are accepted here, so no second r can hide in the tag; `<col` and `<cf...` are
    other elements. The expression is kept this plain for speed: it runs on every cell of a large sheet.
    """
    best = None
    for digits in range(1, 8):
        rows = 10 ** digits - 1
        columns = min(26, max_columns, max_cells // rows)
        if columns >= 1 and (best is None or columns * rows > best[1] * best[2]):
            best = (digits, columns, rows)
    if best is None:
        return None
    digits, columns, rows = best
    letters = "A" if columns == 1 else f"A-{chr(64 + columns)}"
    small = f'<c(?! r="[{letters}][0-9]{{1,{digits}}}"(?: [st]="\\w*")*/?>|o|f)'
    return re.compile(small.encode()), columns, rows


PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c(?=[\s/>])")


def _slice_is_small(piece, pattern):
    if pattern.search(piece):
        return False
    return piece.find(b":c") < 0 or not PREFIXED_CELL.search(piece)


# --- every cell tag is <c r="A1" ...>: the largest reference, listed by the regular expression engine -------
CANONICAL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Za-z]+[0-9]+"' + _TAIL + rb")")
# A self-closing cell (<c r="AZ1048576" s="3"/>: a border or fill with no value) holds nothing: calamine leaves it
# out of its range, so it is no part of the extent. `[^>]*` stops at the tag's end: no quoted value holds a '>'.
CELL_REFERENCE = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"[^>]*(?<!/)>')


class _Listed:
    """The extent of a sheet whose every cell carries one plain reference: no counting needed."""

    def __init__(self):
        self.rows = self.columns = 0

    def feed(self, piece):
        """Take a slice's references; False when a cell tag is not plain (the exact count must decide)."""
        if not _slice_is_small(piece, CANONICAL):
            return False
        references = CELL_REFERENCE.findall(piece)
        if references:
            letters, digits = zip(*references)
            self.columns = max(self.columns, max(_column_number(text) for text in set(letters)))
            longest = max(map(len, digits))
            self.rows = max(self.rows, max(int(text) for text in set(digits) if len(text) == longest))
        return True


# --- exact count: place every cell as calamine does --------------------------------------------------------
TAG = re.compile(rb"""<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
VALUED_TAG = re.compile(rb"""<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|v|is|f)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
R_ATTRIBUTE = re.compile(rb"""(?:^|[\s"'])r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
T_ATTRIBUTE = re.compile(rb"""(?:^|[\s"'])t\s*=\s*(?:"([^"]*)"|'([^']*)')""")
REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]+)")
# Types whose empty <v></v> calamine reads as no value (measured: python-calamine 0.9.1); "str", "d" and inline
# strings read as an empty text, which calamine places in its range.
EMPTY_V_TYPES = (None, b"n", b"s", b"b", b"e")


class _Counter:
    """Follows calamine's placement of cells: (row, column) from r, else from the running row and column.

    The extent is that of the cells calamine keeps: a self-closing cell (a style, no value) moves the running
    column but is no part of it. Other cells count as holding a value, an upper bound; with `valued`, only those
    that do, as calamine reads them (an empty <v></v> or none at all is nothing), at the cost of looking at each
    cell's children: asked only when the bound is beyond the limits.
    """

    def __init__(self, valued=False):
        self.row = self.column = 0  # calamine's row_index and col_index, 0-based
        self.rows = self.columns = 0  # the extent so far, 1-based
        self.valued, self.tags = valued, VALUED_TAG if valued else TAG
        self.cell = None  # valued: (row, column, type) of the cell open, whose value is not yet known
        self.holds = False  # valued: whether the open cell holds a value so far
        self.value_from = None  # valued: where the text of an open <v> starts (0: at the next slice's start)

    def feed(self, piece):
        for tag in self.tags.finditer(piece):
            closing, name, attributes = tag.groups()
            if b"<" in attributes:
                raise SheetRefused("The workbook is damaged (a sheet has '<' inside a tag). Save it again in "
                                    "Excel and upload it again.")
            self_closing = attributes.endswith(b"/")
            if name == b"row":
                self._close_cell()
                if not closing:
                    reference = _reference(attributes)
                    if reference is not None:
                        self.row = reference[0]
                if closing or self_closing:
                    self.row += 1
                    self.column = 0
            elif name == b"c":
                self._close_cell()
                if closing:
                    continue
                reference = _reference(attributes)
                row, column = reference if reference is not None and reference[1] >= 0 else (self.row, self.column)
                self.column = column + 1
                if self_closing:
                    continue
                if self.valued:
                    self.cell, self.holds = (row, column, _type(attributes)), False
                else:
                    self._place(row, column)
            elif self.cell is not None:
                self._child(tag, name, closing, self_closing)
        if self.value_from is not None:  # a <v> still open: its text goes on in the next slice
            self.value_from = 0 if self.value_from == len(piece) else -1

    def _child(self, tag, name, closing, self_closing):
        """A <v>, <is> or <f> tag inside the open cell (valued only)."""
        if name == b"is":
            self.holds = True  # an inline string, even empty, is a text to calamine
        elif name == b"v" and not self_closing:
            if not closing:
                if self.cell[2] in EMPTY_V_TYPES:
                    self.value_from = tag.end()
                else:
                    self.holds = True
            elif self.value_from is not None:
                self.holds |= tag.start() != self.value_from  # any text at all, even a space, is a value
                self.value_from = None

    def _close_cell(self):
        """The open cell ends (at </c>, or at the next cell or row of a damaged sheet): place it if it holds a value."""
        if self.cell is not None:
            if self.holds or self.value_from is not None:
                self._place(*self.cell[:2])
            self.cell, self.holds, self.value_from = None, False, None

    def _place(self, row, column):
        self.rows = max(self.rows, row + 1)
        self.columns = max(self.columns, column + 1)


def _type(attributes):
    """A cell's t attribute (the last one), or None."""
    if b"t" not in attributes:
        return None
    found = T_ATTRIBUTE.findall(attributes)
    if not found:
        return None
    double, single = found[-1]
    return double or single


def _reference(attributes):
    """(row, column) 0-based of the last r attribute (column -1 when it names a row only), or None."""
    if b"r" not in attributes:
        return None
    found = R_ATTRIBUTE.findall(attributes)
    if not found:
        return None
    double, single = found[-1]
    match = REFERENCE.fullmatch(double or single)
    if match is None:
        return None  # calamine refuses it: the read fails without building anything
    letters, digits = match.groups()
    return int(digits) - 1, _column_number(letters) - 1


# --- noted in the same pass: hidden rows (the reader, calamine, imports them without a word), uncalculated formulas
# hidden="1", or a height of 0 (ht="0": how some programs hide a row)
HIDDEN = re.compile(rb"""\s(?:hidden\s*=\s*(?:"(?:1|true)"|'(?:1|true)')|ht\s*=\s*["']0+(?:\.0*)?["'])""")
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?row\s")
HOLDS_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:v|is)[\s>]")
FIRST_CELL = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?c\s[^>]*?\br\s*=\s*["'][A-Za-z]*([0-9]+)""")


# A formula cell whose saved value is missing or empty-tagged (<v/>: openpyxl); Excel always saves one (<v></v> for "").
NO_VALUE = re.compile(rb"""<c\s[^>]*?\br="([A-Za-z]+[0-9]+)"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|</c>)""")
CALC_ON_LOAD = re.compile(rb"""fullCalcOnLoad\s*=\s*["'](?:1|true)""")


def _calculated_on_load(archive):
    """Whether the workbook asks to be calculated when opened, as programs that write formulas without their
    results (openpyxl) do; Excel and LibreOffice save results. Streamed: a workbook part may be large."""
    try:
        return any(CALC_ON_LOAD.search(piece) for piece in xml_slices(archive, "xl/workbook.xml"))
    except KeyError:
        return False


class _Noted:
    """What the scan notes beside the extent, in the same pass: the rows marked hidden (by a filter or by hand)
    that hold a value, as [first, last] ranges of Excel rows; in a workbook never calculated, the first
    formula cell without a saved value (`uncalculated`); and the merged ranges (`merges`), which calamine
    is spared reading in a second pass of its own (spreadsheets/one_pass_copy.py).

    Slices without the word 'hidden' (nearly all) cost one fast search (0.1 s of a 500k-row sheet's 1.2 s scan,
    which runs beside calamine's parse in an import's child); an empty hidden row (Excel writes one for
    each row hidden below the data) holds nothing to import and is left out. A row whose end lies in the next
    slice counts as holding values; a row without a number of its own takes its first cell's.
    """

    def __init__(self, uncalculated=False):
        self.rows, self.filtered = [], False
        self.look_for_formulas, self.uncalculated = uncalculated, None
        self.merges = _Merges()
        self.errors = ErrorCells()

    def extent(self, name, rows, columns, exact=True):
        """The sheet's Extent with what was noted."""
        return Extent(name, rows, columns, exact, self.rows, self.filtered, self.uncalculated,
                      self.merges.close(), self.errors.found)

    def feed(self, piece):
        """Note what the slice holds; always True (it never stops a scan)."""
        if self.look_for_formulas and self.uncalculated is None and b"<f" in piece:
            if found := NO_VALUE.search(piece):
                self.uncalculated = found.group(1).decode()
        self.errors.feed(piece)
        if b"hidden" in piece or b'ht="0' in piece:
            self._note_rows(piece)
        if self.rows and not self.filtered and b"autoFilter" in piece:  # after the rows: sought once some are hidden
            self.filtered = True
        if not self.merges.done and b"mergeCell" in piece:
            self.merges.feed(piece)
        return True

    def _note_rows(self, piece):
        for found in HIDDEN.finditer(piece):
            start, end = piece.rfind(b"<", 0, found.start()), piece.find(b">", found.end())
            if end < 0 or not ROW_TAG.match(piece, start) or piece[end - 1:end] == b"/":
                continue  # a hidden column, or a row with no cells
            close = piece.find(b"row>", end)
            content = piece[end + 1:close if close >= 0 else len(piece)]
            if close >= 0 and not HOLDS_VALUE.search(content):
                continue
            reference = _reference(piece[start + 1:end])
            cell = FIRST_CELL.search(content) if reference is None else None
            self._add(reference[0] + 1 if reference is not None else int(cell.group(1)) if cell else 0)

    def _add(self, row):
        if self.rows and self.rows[-1][1] + 1 == row:
            self.rows[-1][1] = row
        elif not self.rows or self.rows[-1][1] != row:
            self.rows.append([row, row])


# --- noted in the same pass: merged ranges, as calamine reads them (imports/scanned_read.py spares it its own pass)
MERGE_CELLS = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCells(?=[\s/>])[^>]*>")
MERGE_CELLS_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?mergeCells\s*>")
MERGE_CELL = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell(?=[\s/>])([^>]*)>")
REF_ATTRIBUTE = re.compile(rb"""(?:^|\s)ref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
MERGE_REFERENCE = re.compile(rb"([A-Za-z]+)([0-9]+)")


class _Merges:
    """The merged ranges of a sheet the way calamine reads them: the mergeCell elements (their ref) of the first
    mergeCells element, wherever it is. `ranges` is None where calamine would fail (a ref it cannot parse, or no
    end to the element): the sheet is then unreadable, as calamine would say."""

    def __init__(self):
        self.ranges, self.inside, self.done = [], False, False

    def feed(self, piece):
        at = 0
        if not self.inside:
            start = MERGE_CELLS.search(piece)
            if start is None:
                return
            self.inside, at = True, start.end()
            if start.group().endswith(b"/>"):  # calamine reads <mergeCells/> as a start and an end
                self.done = True
                return
        end = MERGE_CELLS_END.search(piece, at)
        for tag in MERGE_CELL.finditer(piece, at, end.start() if end else len(piece)):
            found = REF_ATTRIBUTE.search(tag.group(1))
            if found is not None and self.ranges is not None:
                merged = _merged_range(found.group(1) if found.group(1) is not None else found.group(2))
                if merged is None:
                    self.ranges = None
                else:
                    self.ranges.append(merged)
        self.done = end is not None

    def close(self):
        """The ranges once the whole sheet was fed (None if the element never ended: calamine fails there)."""
        return None if self.inside and not self.done else self.ranges


def _merged_range(text):
    """((top, left), (bottom, right)) 0-based of a ref such as A3:A5 (or A3), or None where calamine cannot parse it."""
    cells = [MERGE_REFERENCE.fullmatch(part) for part in text.split(b":")]
    if not 1 <= len(cells) <= 2 or None in cells or any(int(cell.group(2)) == 0 for cell in cells):
        return None
    first, last = [(int(cell.group(2)) - 1, _column_number(cell.group(1)) - 1) for cell in (cells[0], cells[-1])]
    return first, last
