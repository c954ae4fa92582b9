"""Write tables to .xlsx and CSV with every cell neutralised against formula injection."""
import csv
import io
from datetime import date, datetime

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def safe_cell(value):
    """A value safe to put in a spreadsheet cell: text that a spreadsheet would run as a formula gets a quote."""
    if isinstance(value, str) and value and (value.startswith(DANGEROUS_STARTS) or ord(value[0]) < 32):
        return "'" + value
    return value


def xlsx_bytes(sheets):
    """Build a workbook from [(title, header, rows)] and return its bytes."""
    # Imported here: openpyxl costs ~17 MiB, and an import reading 500k rows needs every MiB it can get.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        ws.append([safe_cell(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe_cell(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, rows):
    """CSV text (UTF-8 with BOM so Excel reads accents) with neutralised cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
