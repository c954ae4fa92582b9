"""How far a worksheet's cells reach, from their references, placed the way python-calamine places them.

calamine places a cell by its own r attribute (the last one, when repeated), and a cell or row without r by
counting: a row without r follows the previous one, a cell without r follows the previous cell of its row. Its
range holds the cells with a value only: a self-closing cell (a style, no value) moves the count but is left
out, and so is an empty <v></v> (measured, python-calamine 0.9.1: A1:H500 and one such cell at XFD1048576
read in 11 MiB, as A1:H500 alone), while an empty text (t="str", an inline string) is a value.

Three ways, fastest first (spreadsheets/extent.py picks): a regular expression per slice proving that an
Excel-like sheet (every cell tag `<c r="A1" ...>`, small references) stays inside a rectangle within the limits
(fast_pattern); the largest reference of a sheet whose every cell tag is plain (Listed); and every tag counted
as calamine does (Counter).
"""
import re

from spreadsheets.unpack import DamagedPart
from spreadsheets.xml_tags import NS, PREFIXED, T_ATTRIBUTE, cell_reference, column_number, last_attribute


# After a cell's reference: other attributes, double-quoted, none of them an 'r' key (calamine takes the last r).
_TAIL = rb"""[^>"'r]*(?:(?:"[^"<>]*"|r(?!\s*=))[^>"'r]*)*>"""


# --- fast path: prove that every cell reference lies inside one rectangle ---------------------------------
def fast_pattern(max_cells, max_columns):
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


PREFIXED_CELL = re.compile(rb"<" + PREFIXED + rb"c(?=[\s/>])")


def slice_is_small(piece, pattern):
    if pattern.search(piece):
        return False
    return piece.find(b":c") < 0 or not PREFIXED_CELL.search(piece)


# --- every cell tag is <c r="A1" ...>: the largest reference, listed by the regular expression engine -------
CANONICAL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Za-z]+[0-9]+"' + _TAIL + rb")")
# A self-closing cell (<c r="AZ1048576" s="3"/>: a border or fill with no value) holds nothing: calamine leaves it
# out of its range, so it is no part of the extent. `[^>]*` stops at the tag's end: no quoted value holds a '>'.
CELL_REFERENCE = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"[^>]*(?<!/)>')


class Listed:
    """The extent of a sheet whose every cell carries one plain reference: no counting needed."""

    def __init__(self):
        self.rows = self.columns = 0

    def feed(self, piece):
        """Take a slice's references; False when a cell tag is not plain (the exact count must decide)."""
        if not slice_is_small(piece, CANONICAL):
            return False
        self._take(CELL_REFERENCE.findall(piece))
        return True

    def _take(self, references):
        if references:
            letters, digits = zip(*references)
            self.columns = max(self.columns, max(column_number(text) for text in set(letters)))
            longest = max(map(len, digits))
            self.rows = max(self.rows, max(int(text) for text in set(digits) if len(text) == longest))


# A plain cell calamine surely keeps: its one child a <v> with text, read as a number or a text (no t, or t="n" as
# openpyxl and other programs write a number), a text (t="str") or a boolean (t="b"). A lower bound of the extent at
# the regular expression engine's speed, which refuses a sheet full of values far out without looking at each cell
# in Python.
SURE_VALUE = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"(?: s="[0-9]*")?(?: t="(?:n|str|b)")?(?: s="[0-9]*")?><v>[^<]+</v></c>')


class SurelyValued(Listed):
    """The extent of the cells that surely hold a value (SURE_VALUE), whatever the other tags are."""

    def feed(self, piece):
        self._take(SURE_VALUE.findall(piece))
        return True


# --- exact count: place every cell as calamine does --------------------------------------------------------
TAG = re.compile(rb"""<(/?)""" + NS + rb"""(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
VALUED_TAG = re.compile(rb"""<(/?)""" + NS + rb"""(row|c|v|is|f)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
# Types whose empty <v></v> calamine reads as no value (measured: python-calamine 0.9.1); "str", "d" and inline
# strings read as an empty text, which calamine places in its range.
EMPTY_V_TYPES = (None, b"n", b"s", b"b", b"e")


class Counter:
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
                raise DamagedPart("The workbook is damaged (a sheet has '<' inside a tag). Save it again in "
                                  "Excel and upload it again.")
            self_closing = attributes.endswith(b"/")
            if name == b"row":
                self._close_cell()
                if not closing:
                    reference = cell_reference(attributes)
                    if reference is not None:
                        self.row = reference[0]
                if closing or self_closing:
                    self.row += 1
                    self.column = 0
            elif name == b"c":
                self._close_cell()
                if closing:
                    continue
                reference = cell_reference(attributes)
                row, column = reference if reference is not None and reference[1] >= 0 else (self.row, self.column)
                self.column = column + 1
                if self_closing:
                    continue
                if self.valued:
                    self.cell, self.holds = (row, column, last_attribute(T_ATTRIBUTE, b"t", attributes)), False
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

