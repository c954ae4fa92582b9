"""The problems of an import as a workbook: the upload itself with a Problems column and the bad cells
marked, to fix and upload again, plus a sheet listing every problem.

Large uploads get the list only: openpyxl needs about 1 GiB to open a 500k-row sheet. Every text cell
written, the user's own included, passes through safe_cell (formula injection); the reader removes the
quote again on the way back in.
"""
import io
import re

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select

from extensions import db
from imports.declarations import KINDS
from imports.models import ImportProblem
from imports.workbook import PROBLEMS_HEADER, PROBLEMS_SHEET, header_key, header_lookup
from spreadsheets.export import safe_cell

ANNOTATE_MAX_BYTES = 2 * 1024 * 1024  # about 50,000 rows
BAD = PatternFill("solid", fgColor="F8D7DA")
LIST_HEADER = ("Sheet", "Row", "Column", "Value", "Rule", "Severity", "Problem")


def problems_workbook(batch) -> bytes:
    problems = db.session.scalars(select(ImportProblem).where(ImportProblem.batch_id == batch.id)
                                  .order_by(ImportProblem.id)).all()
    wb = _annotated(batch, problems) if batch.file_size <= ANNOTATE_MAX_BYTES else None
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
    ws = wb.create_sheet(PROBLEMS_SHEET)
    ws.append(LIST_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for p in problems:
        ws.append([safe_cell(v) for v in (p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule, p.severity,
                                          p.message)])
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (16, 6, 22, 20, 20, 9, 90)):
        ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _annotated(batch, problems):
    """The uploaded workbook (values, not formulas) with problems written beside the rows, or None."""
    try:
        wb = load_workbook(io.BytesIO(batch.content), data_only=True)
    except Exception:  # not readable by openpyxl: the list alone will do
        return None
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = safe_cell(cell.value)
    by_sheet = {}
    for p in problems:
        if p.sheet in wb.sheetnames:
            by_sheet.setdefault(p.sheet, []).append(p)
    kind = KINDS[batch.kind]
    for name, found in by_sheet.items():
        ws = wb[name]
        at = ws.max_column + 1
        header_row = _header_row(ws, kind)
        rows = {}
        for p in found:
            rows.setdefault(p.sheet_row or header_row, []).append(p)
            letter = re.match(r"^([A-Z]+) ", p.sheet_column or "")
            if letter and p.sheet_row and p.severity == "error":
                ws[f"{letter[1]}{p.sheet_row}"].fill = BAD
        head = ws.cell(header_row, at, PROBLEMS_HEADER)
        head.font = Font(bold=True)
        for row, listed in rows.items():
            text = "; ".join(f"{p.sheet_column + ': ' if p.sheet_column else ''}{p.message} [{p.rule}]"
                             for p in listed)
            cell = ws.cell(row, at)
            cell.value = safe_cell(f"{cell.value}; {text}" if cell.value else text)
            cell.font = Font(color="A61B1B")
        ws.column_dimensions[head.column_letter].width = 80
    return wb


def _header_row(ws, kind):
    """The row holding the kind's headers (1 when none is found)."""
    lookup = header_lookup(kind.placed("key") if kind.layout == "grid" else kind.columns)
    best, best_count = 1, 0
    for r, row in enumerate(ws.iter_rows(max_row=30, values_only=True), start=1):
        count = sum(1 for v in row if isinstance(v, str) and header_key(v) in lookup)
        if count > best_count:
            best, best_count = r, count
    return best
