"""Read what a worksheet's head (the XML before <sheetData>) says is hidden: columns, and rows by default; and
whether the workbook counts its days from 1904.

The reader (calamine) imports hidden columns and rows like the rest without a word. The extent scan notes rows
marked hidden one by one (spreadsheets/extent.py); two other ways of hiding live in the head, which is a few
hundred bytes before the cells: <col min max hidden="1"/> hides columns, and <sheetFormatPr zeroHeight="1"/>
hides every row not given a height of its own (Excel writes it when a clerk hides all rows and shows a few).
Only a sheet that says zeroHeight costs a pass over its rows (`rows_hidden_by_default`).
A workbook saved with the 1904 date system (<workbookPr date1904="1"/>, Macs of old) numbers its days from
1 Jan 1904: calamine reads its date cells right, but a bare day number in a date column is 1,462 days later
than the same number in any other workbook.
"""
import re
import zipfile
from dataclasses import dataclass, field

from spreadsheets.extent import HOLDS_VALUE, worksheet_parts
from spreadsheets.unpack import xml_slices

MAX_HEAD_BYTES = 8 << 20  # a head is small (16,384 columns described one by one: ~1 MB); past this, stop looking
_COL = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?col\s([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([A-Za-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ZERO_HEIGHT = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?sheetFormatPr\s[^>]*\bzeroHeight\s*=\s*["'](?:1|true)["']""")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sheetData[\s/>]")
_DATE_1904 = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?workbookPr\s[^>]*\bdate1904\s*=\s*["'](?:1|true)["']""")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?row(?=[\s>])([^>]*?)(/?)>")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?row>")


@dataclass
class Head:
    """What one sheet's head hides: columns as [first, last] (1-based, A = 1), and rows by default."""
    hidden_columns: list = field(default_factory=list)
    zero_height: bool = False
    hidden_rows: list = field(default_factory=list)  # of a zeroHeight sheet: rows_hidden_by_default


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


def sheet_head(archive, part) -> Head:
    """The Head of one worksheet part, read up to its <sheetData>."""
    head, seen = b"", 0
    for piece in xml_slices(archive, part):
        found = _SHEET_DATA.search(piece)
        head += piece[:found.start()] if found else piece
        seen += len(piece)
        if found or seen > MAX_HEAD_BYTES:
            break
    columns = []
    for tag in _COL.findall(head):
        given = _attributes(tag)
        if not (_true(given.get("hidden")) or _zero(given.get("width"))):
            continue
        try:
            first, last = int(given["min"]), int(given["max"])
        except (KeyError, ValueError):
            continue
        columns.append([first, last])
    return Head(merge_ranges(columns), _ZERO_HEIGHT.search(head) is not None)


def sheet_heads(path) -> dict:
    """{sheet name: Head} of the worksheets that hide columns or rows by default; {} when none does."""
    heads = {}
    with zipfile.ZipFile(path) as archive:
        for name, part in worksheet_parts(archive):
            head = sheet_head(archive, part)
            if head.zero_height:
                head.hidden_rows = rows_hidden_by_default(archive, part)
            if head.hidden_columns or head.zero_height:
                heads[name] = head
    return heads


def merge_ranges(ranges):
    """[first, last] ranges, sorted, those that touch or overlap made one."""
    merged = []
    for first, last in sorted(ranges):
        if merged and merged[-1][1] + 1 >= first:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return merged


def rows_hidden_by_default(archive, part) -> list:
    """[first, last] ranges of the rows holding a value that a zeroHeight sheet hides: those without a height
    of their own (or of height 0). Rows without a number follow the row before, as readers place them."""
    ranges, number = [], 0
    carry = b""
    for piece in xml_slices(archive, part):
        text = carry + piece
        ends = [end.end() for end in _ROW_END.finditer(text)][-1:]  # rows cut by the slice wait for the next
        done, carry = (text[:ends[0]], text[ends[0]:]) if ends else (b"", text[-MAX_HEAD_BYTES:])
        for row in _ROW.finditer(done):
            given = _attributes(row.group(1))
            number = int(given["r"]) if given.get("r", "").isdigit() else number + 1
            if row.group(2):  # <row .../>: no cells
                continue
            end = _ROW_END.search(done, row.end())
            holds = HOLDS_VALUE.search(done, row.end(), end.start() if end else len(done))
            if holds and ("ht" not in given or _zero(given["ht"]) or _true(given.get("hidden"))):
                if ranges and ranges[-1][1] + 1 == number:
                    ranges[-1][1] = number
                else:
                    ranges.append([number, number])
    return ranges


def counts_from_1904(path) -> bool:
    """Whether the workbook at `path` uses the 1904 date system (read up to its list of sheets)."""
    with zipfile.ZipFile(path) as archive:
        try:
            for piece in xml_slices(archive, "xl/workbook.xml"):
                if _DATE_1904.search(piece):
                    return True
                if b"<sheets" in piece or b":sheets" in piece:  # workbookPr comes before the sheets
                    return False
        except KeyError:
            pass
    return False
