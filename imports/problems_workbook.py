"""The problems of an import as a workbook: the upload itself with a Problems column and the bad cells
marked, to fix and upload again, plus a sheet listing every problem.

Written streaming, so memory stays flat whatever the upload's size: the upload is read row by row with
openpyxl in read-only mode (after the extent check of spreadsheets/guard.py) and written with openpyxl in
write-only mode. A file refused before reading (unsafe, impossible extent, unreadable) gets the list alone.
Every text cell written, the user's own included, passes through safe_cell (formula injection); the
reader removes the quote again on the way back in. Characters Excel forbids are written as Excel's own
escapes (_x0001_), never an error.
"""
import io
import logging
import re
import tempfile
from datetime import datetime, time

from flask import current_app
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from sqlalchemy import func, select, update

from extensions import db
from imports.declarations import KINDS
from imports.models import ImportBatch, ImportProblem
from imports.workbook import PROBLEMS_HEADER, PROBLEMS_SHEET, header_key, header_lookup
from spreadsheets.export import safe_cell
from spreadsheets.guard import check_workbook

log = logging.getLogger(__name__)

BAD = PatternFill("solid", fgColor="F8D7DA")
PROBLEM_FONT, BOLD = Font(color="A61B1B"), Font(bold=True)
LIST_HEADER = ("Sheet", "Row", "Column", "Value", "Rule", "Severity", "Problem")
LIST_WIDTHS = (16, 6, 22, 20, 20, 9, 90)
REFUSED_RULES = ("file.unsafe", "file.unreadable")  # the file was never read: nothing to annotate
HEADER_SEARCH_ROWS = 30
SPOOL_CHUNK = 4 * 1024 * 1024


def problems_workbook(batch) -> bytes:
    """The batch's problems workbook: the one the worker stored, or one built now (older batches)."""
    stored = db.session.scalar(select(ImportBatch.problems_file).where(ImportBatch.id == batch.id))
    return stored if stored is not None else build(batch.id)


def build(batch_id) -> bytes:
    """Build a batch's problems workbook from its stored upload and problems, streaming."""
    batch = db.session.get(ImportBatch, batch_id)
    problems = db.session.execute(select(ImportProblem.sheet, ImportProblem.sheet_row, ImportProblem.sheet_column,
                                         ImportProblem.value, ImportProblem.rule, ImportProblem.severity,
                                         ImportProblem.message)
                                  .where(ImportProblem.batch_id == batch_id).order_by(ImportProblem.id)).all()
    out = None
    if not any(p.rule in REFUSED_RULES for p in problems):
        try:
            out = Workbook(write_only=True)
            with tempfile.NamedTemporaryFile(prefix="imr-problems-", suffix=".xlsx") as spool:
                _spool(batch_id, batch.file_size, spool)
                _annotated(out, spool.name, KINDS[batch.kind], problems)
        except Exception:  # a copy that cannot be written must not cost the list: it alone will do
            log.exception("The upload of import %s could not be copied into its problems workbook", batch_id)
            out = None
    out = out or Workbook(write_only=True)
    _listed(out, problems)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _spool(batch_id, size, handle):
    """Copy the stored upload to a file in slices, so no whole copy of it sits in memory."""
    for offset in range(0, size, SPOOL_CHUNK):
        handle.write(db.session.scalar(select(func.substr(ImportBatch.content, offset + 1, SPOOL_CHUNK))
                                       .where(ImportBatch.id == batch_id)))
    handle.flush()


def _listed(out, problems):
    """The sheet listing every problem kept."""
    ws = out.create_sheet(PROBLEMS_SHEET)
    for i, width in enumerate(LIST_WIDTHS):
        ws.column_dimensions[chr(65 + i)].width = width
    ws.freeze_panes = "A2"
    ws.append([_bold(ws, h) for h in LIST_HEADER])
    for p in problems:
        ws.append([written(v) for v in (p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule, p.severity,
                                        p.message)])


def _annotated(out, path, kind, problems):
    """Copy each worksheet of the upload into `out`, row by row, with the problems beside their rows."""
    try:
        config = current_app.config
        check_workbook(path, max_cells=config["IMPORT_MAX_SHEET_CELLS"], max_columns=config["IMPORT_MAX_SHEET_COLUMNS"])
        upload = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # refused, or not readable by openpyxl: the list alone will do
        return
    by_sheet = {}
    for p in problems:
        by_sheet.setdefault(p.sheet, []).append(p)
    try:
        for source in upload.worksheets:
            if source.title == PROBLEMS_SHEET:
                continue  # the list of an earlier round: a new one is written
            _copy_sheet(out, source, kind, by_sheet.get(source.title, []), config["IMPORT_MAX_SHEET_COLUMNS"])
    finally:
        upload.close()


def _copy_sheet(out, source, kind, problems, max_columns):
    target = out.create_sheet(source.title)
    state = getattr(source, "sheet_state", "visible")
    if state != "visible":
        target.sheet_state = state
    declared = source.max_column if (source.max_column or 0) <= max_columns else 0  # <dimension> may lie
    source.reset_dimensions()
    rows = source.iter_rows(values_only=True)
    head = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows)]
    header_row, problems_at = _header(head, kind)
    at = problems_at if problems_at is not None else max([declared or 0] + [_width(r) for r in head])
    notes, bad = _notes(problems, header_row)
    if notes:
        target.column_dimensions[_letter(at)].width = 80
    for number, row in enumerate(_chain(head, rows), start=1):
        values = list(row)
        if problems_at is not None and len(values) > problems_at:
            values[problems_at] = None  # an earlier round's notes: replaced by this round's
        cells = [_cell(target, v, (number, j) in bad) for j, v in enumerate(values)]
        text = notes.get(number)
        if number == header_row and notes:  # the header row's own problems follow the column's title
            text = f"{PROBLEMS_HEADER}; {text}" if text else PROBLEMS_HEADER
        if text is not None:
            column = max(at, _width(values)) if problems_at is None else at
            cells.extend([None] * (column - len(cells)))
            cells[column:column + 1] = [_bold(target, text) if number == header_row else _red(target, text)]
        target.append(cells)


def _header(head, kind):
    """(Excel row of the kind's header row, 0-based column of an existing Problems header or None)."""
    lookup = header_lookup(kind.placed("key") if kind.layout == "grid" else kind.columns)
    best, best_count = 1, 0
    for r, row in enumerate(head, start=1):
        count = sum(1 for v in row if isinstance(v, str) and header_key(v) in lookup)
        if count > best_count:
            best, best_count = r, count
    row = head[best - 1] if head else ()
    problems_at = next((j for j, v in enumerate(row) if isinstance(v, str)
                        and header_key(v) == header_key(PROBLEMS_HEADER)), None)
    return best, problems_at


def _notes(problems, header_row):
    """({Excel row: text of its problems}, {(row, 0-based column) of cells with an error})."""
    by_row, bad = {}, set()
    for p in problems:
        by_row.setdefault(p.sheet_row or header_row, []).append(p)
        letter = re.match(r"^([A-Z]+) ", p.sheet_column or "")
        if letter and p.sheet_row and p.severity == "error":
            bad.add((p.sheet_row, _column_index(letter[1])))
    notes = {row: "; ".join(f"{p.sheet_column + ': ' if p.sheet_column else ''}{p.message} [{p.rule}]"
                            for p in listed) for row, listed in by_row.items()}
    return notes, bad


def written(value):
    """A value as it may be written: text neutralised and its forbidden characters escaped, midnight a date."""
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date()
    return value


def _cell(ws, value, bad):
    value = written(value)
    if not bad:
        return value
    cell = WriteOnlyCell(ws, value)
    cell.fill = BAD
    return cell


def _red(ws, text):
    cell = WriteOnlyCell(ws, written(text))
    cell.font = PROBLEM_FONT
    return cell


def _bold(ws, text):
    cell = WriteOnlyCell(ws, written(text))
    cell.font = BOLD
    return cell


def _width(row):
    """Columns up to the row's last value."""
    for j in range(len(row) - 1, -1, -1):
        if row[j] is not None:
            return j + 1
    return 0


def _chain(head, rows):
    yield from head
    yield from rows


def _column_index(letters):
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _letter(index):
    """0-based column -> letters."""
    letters, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def store(batch_id):
    """Build the batch's problems workbook and keep it on the batch; a failure leaves it to be built on download."""
    try:
        data = build(batch_id)
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(problems_file=data))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("The problems workbook of import %s could not be built", batch_id)
