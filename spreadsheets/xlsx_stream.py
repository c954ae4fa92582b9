"""Write long tables to .xlsx as a stream, over XlsxWriter's constant_memory mode: memory stays flat.

XlsxWriter writes each row to a temporary file once the next row starts and zips the parts at the end,
about twice as fast as openpyxl's write-only mode without lxml (a hand-written writer was faster still, but
the project prefers a well-kept library). Every text cell goes through safe_cell (no formulas), and text
stays text: XlsxWriter's conversions of strings that look like numbers, formulas or URLs are off. Characters
Excel forbids are written the way Excel writes them (_x0007_, and a literal "_x0007_" as _x005F_x0007_),
which XlsxWriter does itself; a lone surrogate, which no file can hold, becomes U+FFFD.
"""
import math
import re
import tempfile
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import xlsxwriter

from spreadsheets.export import safe_cell

_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER_FORMATS = {datetime: "yyyy-mm-dd hh:mm:ss", date: "yyyy-mm-dd", time: "hh:mm:ss", timedelta: "[h]:mm:ss"}
STYLES = {"bold": {"bold": True}, "bad": {"bg_color": "#F8D7DA", "pattern": 1},
          "problem": {"font_color": "#A61B1B"}}


@contextmanager
def streaming_workbook(target):
    """An XlsxWriter workbook that streams rows and writes to `target` (path or binary file) when the block ends.

    Its temporary files live in a directory of their own, removed even when the block fails.
    """
    with tempfile.TemporaryDirectory(prefix="imr-xlsx-") as tmpdir:
        book = xlsxwriter.Workbook(target, {"constant_memory": True, "tmpdir": tmpdir, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
        yield book
        visible = [ws for ws in book.worksheets() if not ws.hidden]
        if visible:  # Excel wants the sheet it opens on to be visible
            visible[0].activate()
        book.close()


class Sheet:
    """One worksheet written top to bottom: rows are appended, cells styled by name (STYLES)."""

    def __init__(self, book, title, formats):
        self.book, self.ws, self.formats, self.row = book, book.add_worksheet(title), formats, 0

    def append(self, values, style=None, styles=None):
        """Write the next row; `style` names the style of every cell, `styles` {column: style} of some."""
        write, number = self._write, self.row
        for column, value in enumerate(values):
            write(number, column, value, styles.get(column, style) if styles else style)
        self.row += 1

    def _write(self, row, column, value, style):
        ws = self.ws
        if isinstance(value, str):
            if value:
                text = safe_cell(value)
                if _SURROGATE.search(text):
                    text = _SURROGATE.sub("\ufffd", text)
                ws.write_string(row, column, text, self.formats.get(style))
            elif style:
                ws.write_blank(row, column, None, self.formats.get(style))
        elif value is None:
            if style:
                ws.write_blank(row, column, None, self.formats.get(style))
        elif isinstance(value, bool):
            ws.write_boolean(row, column, value, self.formats.get(style))
        elif isinstance(value, (int, float, Decimal)):
            if not math.isfinite(value) or (isinstance(value, int) and abs(value) >= 2 ** 53):
                # Excel has no NaN or infinity, and a double would lose the digits of a longer integer
                ws.write_string(row, column, str(value), self.formats.get(style))
            else:
                ws.write_number(row, column, float(value) if isinstance(value, Decimal) else value,
                                self.formats.get(style))
        elif isinstance(value, (datetime, date, time, timedelta)) and _excel_date(value):
            kind = next(k for k in _NUMBER_FORMATS if isinstance(value, k))  # datetime before date: it is one
            ws.write_datetime(row, column, value, self.formats.get((style, kind)))
        else:  # anything else (a date before 1900 Excel cannot hold) as its text
            self._write(row, column, str(value), style)


def _excel_date(value):
    """Whether Excel can hold the value as a date or time (it starts in 1900)."""
    return value.year >= 1900 if isinstance(value, date) else not (isinstance(value, timedelta) and value.days < 0)


def formats(book) -> dict:
    """The workbook's formats: by style name, and by (style or None, date type) for dates and times."""
    found = {name: book.add_format(props) for name, props in STYLES.items()}
    for style in (None, *STYLES):
        for kind, number_format in _NUMBER_FORMATS.items():
            found[(style, kind)] = book.add_format({**STYLES.get(style, {}), "num_format": number_format})
    return found


def add_sheet(book, title, header=None, widths=(), found=None) -> Sheet:
    """A new sheet; a header, when given, is written bold with the pane frozen below it."""
    sheet = Sheet(book, title, found if found is not None else formats(book))
    for column, width in enumerate(widths):
        if width:
            sheet.ws.set_column(column, column, width)
    if header:
        sheet.append(header, "bold")
        sheet.ws.freeze_panes(1, 0)
    return sheet


def write_xlsx(target, sheets):
    """Write [(title, header or None, rows)] as a workbook to `target` (a path or binary file object)."""
    with streaming_workbook(target) as book:
        found = formats(book)
        for title, header, rows in sheets:
            sheet = add_sheet(book, title[:31], header, found=found)
            for row in rows:
                sheet.append(row)

