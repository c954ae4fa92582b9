"""Read a CSV upload as a one-sheet workbook, with the interface the sheet readers use from python-calamine.

Encodings: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252.
Delimiters: comma, semicolon or tab, sniffed (or named by Excel's 'sep=;' first line). Every cell is text
('' when empty), as calamine gives empty cells; the cell converters read dates and numbers from text.
Nothing is evaluated: a cell starting with '=' is kept as the text it is. The sheet is named after the file.
"""
import csv
import io
import os
from collections import namedtuple

from python_calamine import SheetTypeEnum, SheetVisibleEnum

from imports.reading.workbook import UnreadableWorkbook
from spreadsheets.filetypes import DELIMITERS, decode_text, sniff_delimiter, strip_sep_line

MAX_COLUMNS = 16_384  # Excel's own limit (column XFD)
MAX_CELLS = 30_000_000  # rows x columns; a 500k-row, 9-column export is 4.5 million
SheetMetadata = namedtuple("SheetMetadata", "name typ visible")


class CsvSheet:
    """The rows of a CSV, padded to the same width, with calamine's start, end and iter_rows."""

    def __init__(self, name, rows, width):
        self.name, self._rows, self.width = name, rows, width
        self.height = len(rows)
        self.start = (0, 0) if rows else None
        self.end = (len(rows) - 1, width - 1) if rows else None

    def iter_rows(self):
        width, pad = self.width, [""]
        for row in self._rows:
            yield row if len(row) == width else row + pad * (width - len(row))


class CsvWorkbook:
    """One CSV file as a workbook of one visible worksheet."""

    def __init__(self, name, rows, width, encoding, delimiter):
        self.encoding, self.delimiter = encoding, delimiter
        self.sheets_metadata = [SheetMetadata(name, SheetTypeEnum.WorkSheet, SheetVisibleEnum.Visible)]
        self._sheet = CsvSheet(name, rows, width)

    def get_sheet_by_index(self, index):
        if index != 0:
            raise IndexError(index)
        return self._sheet


def sheet_name(filename):
    """'roster March.csv' -> 'roster March' (at most 31 characters, as Excel allows)."""
    stem = os.path.splitext(os.path.basename(filename or ""))[0].strip()
    return (stem or "CSV")[:31]


def open_csv(source, filename=None, max_bytes=None) -> CsvWorkbook:
    """A CsvWorkbook from bytes or a path, or UnreadableWorkbook saying plainly why not."""
    if isinstance(source, (str, os.PathLike)):
        if max_bytes is not None and os.path.getsize(source) > max_bytes:
            raise UnreadableWorkbook(_too_big(max_bytes))
        with open(source, "rb") as handle:
            source = handle.read()
    if max_bytes is not None and len(source) > max_bytes:
        raise UnreadableWorkbook(_too_big(max_bytes))
    decoded = decode_text(source)
    if decoded is None:
        raise UnreadableWorkbook("The CSV file is not text in UTF-8 or Windows-1252. Save it again as "
                                 "'CSV UTF-8 (Comma delimited)' and upload it again.")
    text, encoding = decoded
    del source
    delimiter = sniff_delimiter(text)
    if delimiter is None:
        raise UnreadableWorkbook("The CSV file's lines are not split into columns by commas, semicolons or tabs.")
    _, text = strip_sep_line(text)
    rows, width = [], 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
            rows.append(row)
            if len(row) > width:
                width = len(row)
                if width > MAX_COLUMNS:
                    raise UnreadableWorkbook(f"Row {len(rows)} of the CSV file has more than {MAX_COLUMNS:,} "
                                             "columns; no import has that many. Check that it is the right file.")
            if width * len(rows) > MAX_CELLS:
                raise UnreadableWorkbook(f"The CSV file has more than {MAX_CELLS:,} cells ({len(rows):,} rows of "
                                         f"up to {width:,} columns); split it into smaller files.")
    except csv.Error as error:
        raise UnreadableWorkbook(f"Row {len(rows) + 1} of the CSV file cannot be read ({error}). Check its "
                                 "quotes and save it again.")
    while rows and not any(rows[-1]):
        rows.pop()  # trailing empty lines
    return CsvWorkbook(sheet_name(filename), rows, width, encoding, DELIMITERS.get(delimiter, repr(delimiter)))


def _too_big(max_bytes):
    return f"The CSV file is larger than the {max_bytes // (1024 * 1024)} MB the service accepts; split it."
