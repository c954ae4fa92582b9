"""Read what a worksheet's head (the XML before <sheetData>) says is hidden: columns, and rows by default.

The reader (calamine) imports hidden columns and rows like the rest without a word. The extent scan notes rows
marked hidden one by one (spreadsheets/noted.py); two other ways of hiding live in the head, which is a few
hundred bytes before the cells: <col min max hidden="1"/> hides columns, and <sheetFormatPr zeroHeight="1"/>
hides every row not given a height of its own (Excel writes it when a clerk hides all rows and shows a few).
Both are fed the slices of the extent scan's one pass over the sheet; only a sheet that says zeroHeight has
its rows looked at (RowsHiddenByDefault).
"""
import re

from spreadsheets.xml_tags import NS

MAX_HEAD_BYTES = 8 << 20  # a head is small (16,384 columns described one by one: ~1 MB); past this, stop looking
_COL = re.compile(rb"<" + NS + rb"col\s([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([A-Za-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ZERO_HEIGHT = re.compile(rb"<" + NS + rb"""sheetFormatPr\s[^>]*\bzeroHeight\s*=\s*["'](?:1|true)["']""")
_SHEET_DATA = re.compile(rb"<" + NS + rb"sheetData[\s/>]")
_ROW = re.compile(rb"<" + NS + rb"row(?=[\s>])([^>]*?)(/?)>")
_ROW_END = re.compile(rb"</" + NS + rb"row>")
HOLDS_VALUE = re.compile(rb"<" + NS + rb"(?:v|is)[\s>]")


def _attributes(text):
    return {name: double or single for name, double, single in
            ((n.decode(), d.decode(), s.decode()) for n, d, s in _ATTRIBUTE.findall(text))}


def _true(value):
    return value in ("1", "true")


def _zero(value):
    try:
        return float(value) == 0
    except (TypeError, ValueError):
        return False


class SheetHead:
    """Fed a sheet's slices from its start: `hidden_columns` as [first, last] (1-based, A = 1) and `zero_height`
    (rows hidden by default) once the head is over (`done`); `rows`, of a zeroHeight sheet, fed every slice."""

    def __init__(self):
        self.head, self.done = b"", False
        self.hidden_columns, self.zero_height = [], False
        self.rows = None  # RowsHiddenByDefault of a zeroHeight sheet

    def feed(self, piece):
        if self.done:
            if self.rows is not None:
                self.rows.feed(piece)
            return
        found = _SHEET_DATA.search(piece)
        self.head += piece[:found.start()] if found else piece
        if found or len(self.head) > MAX_HEAD_BYTES:
            self._read_head()
            if self.zero_height and found:
                self.rows = RowsHiddenByDefault()
                self.rows.feed(piece[found.start():])

    def close(self):
        """Read the head of a sheet that ended without <sheetData>."""
        if not self.done:
            self._read_head()

    @property
    def hidden_rows(self):
        """[first, last] ranges of the rows holding a value that the sheet hides by default ([] if none)."""
        return self.rows.ranges if self.rows is not None else []

    def _read_head(self):
        self.done = True
        columns = []
        for tag in _COL.findall(self.head):
            given = _attributes(tag)
            if not (_true(given.get("hidden")) or _zero(given.get("width"))):
                continue
            try:
                first, last = int(given["min"]), int(given["max"])
            except (KeyError, ValueError):
                continue
            columns.append([first, last])
        self.hidden_columns = merge_ranges(columns)
        self.zero_height = _ZERO_HEIGHT.search(self.head) is not None
        self.head = b""


def merge_ranges(ranges):
    """[first, last] ranges, sorted, those that touch or overlap made one."""
    merged = []
    for first, last in sorted(ranges):
        if merged and merged[-1][1] + 1 >= first:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return merged


class RowsHiddenByDefault:
    """[first, last] ranges of the rows holding a value that a zeroHeight sheet hides: those without a height
    of their own (or of height 0). Rows without a number follow the row before, as readers place them."""

    def __init__(self):
        self.ranges, self.number, self.carry = [], 0, b""

    def feed(self, piece):
        text = self.carry + piece
        ends = [end.end() for end in _ROW_END.finditer(text)][-1:]  # rows cut by the slice wait for the next
        done, self.carry = (text[:ends[0]], text[ends[0]:]) if ends else (b"", text[-MAX_HEAD_BYTES:])
        self._rows(done)

    def _rows(self, done):
        for row in _ROW.finditer(done):
            given = _attributes(row.group(1))
            self.number = int(given["r"]) if given.get("r", "").isdigit() else self.number + 1
            if row.group(2):  # <row .../>: no cells
                continue
            end = _ROW_END.search(done, row.end())
            holds = HOLDS_VALUE.search(done, row.end(), end.start() if end else len(done))
            if holds and ("ht" not in given or _zero(given["ht"]) or _true(given.get("hidden"))):
                if self.ranges and self.ranges[-1][1] + 1 == self.number:
                    self.ranges[-1][1] = self.number
                else:
                    self.ranges.append([self.number, self.number])
