"""Write tables to .xlsx and CSV with every cell neutralised against formula injection, and send them as downloads."""
import csv
import io
import re
from datetime import date, datetime

from flask import send_file

from date_text import moment
import local_day

# The file types a download offers (?file=), by extension.
FILE_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")
# Where a spreadsheet may split one CSV field into cells (the list separator is a locale setting: ; in much of
# Europe, , | : or tab elsewhere), each piece can start a formula: `x;=1+2;y` is three cells, one of them =1+2.
CSV_SEPARATORS = ";,\t|:"
_FORMULA_AFTER_SEPARATOR = re.compile(f"[{re.escape(CSV_SEPARATORS)}][ ]*[{re.escape(''.join(DANGEROUS_STARTS))}]")


def formula_risk(text: str, split=False) -> bool:
    """True when a spreadsheet could run `text` as a formula (`split`: also any piece a CSV separator starts)."""
    if not text:
        return False
    if text.startswith(DANGEROUS_STARTS) or ord(text[0]) < 32:
        return True
    return split and _FORMULA_AFTER_SEPARATOR.search(text) is not None


def safe_cell(value):
    """A value safe to put in a spreadsheet cell: text that a spreadsheet would run as a formula gets a quote."""
    if isinstance(value, str) and formula_risk(value):
        return "'" + value
    return value


def safe_csv_field(value):
    """A value safe in a CSV field, which a spreadsheet may split at any separator: a quote before risky text."""
    if isinstance(value, str) and formula_risk(value, split=True):
        return "'" + value
    return value


def xlsx_bytes(sheets):
    """Build a workbook from [(title, header, rows)] or [(title, header, rows, {column index: number format})]."""
    # Imported here: openpyxl costs ~17 MiB, and an import reading 500k rows needs every MiB it can get.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows, *formats in sheets:
        formats = formats[0] if formats else {}
        ws = wb.create_sheet(title=title[:31])
        ws.append([safe_cell(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe_cell(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, (int, float)) and cell.column - 1 in formats:
                    cell.number_format = formats[cell.column - 1]
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, rows):
    """CSV text (UTF-8 with BOM so Excel reads accents) with neutralised fields: every CSV export uses this."""
    buffer = io.StringIO()
    # Text fields in double quotes: a spreadsheet whose list separator is ; | : or tab keeps each one whole.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([safe_csv_field(h) for h in header])
    for row in rows:
        writer.writerow([safe_csv_field(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def requested_kind(args) -> str:
    """The file type a download asks for (?file=csv|xlsx, .xlsx when it names none); any other is a bad request."""
    from errors import bad_request  # here: import workers' children neutralise cells with this module, no pages

    kind = args.get("file") or "xlsx"
    if kind not in FILE_TYPES:
        raise bad_request(f"The file type '{kind[:20]}' is not offered; choose csv or xlsx.")
    return kind


def file_response(kind, body, stem):
    """`body` (bytes, or a rewound binary file) as an attachment named stem.kind of its type."""
    return send_file(io.BytesIO(body) if isinstance(body, bytes) else body, mimetype=FILE_TYPES[kind],
                     as_attachment=True, download_name=f"{stem}.{kind}")


def downloaded_rows(user):
    """The About sheet's last rows, alike in every download: who took the file and when, on the state's clock."""
    return [["Downloaded by", user.email], ["Downloaded on", moment(local_day.utc_now())]]
