"""The problems of an import as a workbook: the upload itself with a Problems column and the bad cells
marked, to fix and upload again, plus a sheet listing every problem.

Written streaming, so memory stays bounded whatever the upload's size: rows go out through
spreadsheets/xlsx_stream.py (XlsxWriter, constant memory). The upload is read row by row, after the checks of
spreadsheets/guard.py, by python-calamine when every sheet is small (the import's own reader, ~20x faster;
it holds the whole sheet, ~60 bytes a cell of the extent) and by openpyxl in read-only mode otherwise
(streams in flat memory). A file refused before reading (unsafe, impossible extent, unreadable) gets the list
alone. Every text cell written, the user's own included, passes through safe_cell (formula injection); the
reader removes the quote again on the way back in. Characters Excel forbids are written as Excel's own
escapes (_x0001_), never an error.
"""
import io
import logging
import os
import re
import tempfile
from datetime import datetime, time

import python_calamine
from flask import current_app
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape
from sqlalchemy import func, select, update

from extensions import db
from imports.kinds.declarations import KINDS
from imports.models import ImportBatch, ImportFile, ImportProblem
from imports.reading.cells import normalise
from imports.reading.workbook import PROBLEMS_HEADER, PROBLEMS_SHEET, header_key, header_lookup, readable_rows
from spreadsheets.canonical_parts import canonical_path
from spreadsheets.guard import UnsafeWorkbook, check_workbook
from spreadsheets.xlsx_stream import add_sheet, formats, streaming_workbook

log = logging.getLogger(__name__)

LIST_HEADER = ("Sheet", "Row", "Column", "Value", "Rule", "Severity", "Problem")
LIST_WIDTHS = (16, 6, 22, 20, 20, 9, 90)
REFUSED_RULES = ("file.unsafe", "file.unreadable")  # the file was never read: nothing to annotate
HEADER_SEARCH_ROWS = 30
SPOOL_CHUNK = 4 * 1024 * 1024
CALAMINE_MAX_CELLS = 2_000_000  # per sheet's extent: ~120 MiB in calamine; the 500k-row benchmark has 4.5 million
_NOT_IN_TITLES = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet title


PROBLEMS_KEY = normalise(PROBLEMS_SHEET)  # titles are unique in any case: the new list's must be free


def problems_workbook(batch) -> bytes:
    """The batch's problems workbook: the one the worker stored, or one built now (older batches)."""
    stored = db.session.scalar(select(ImportFile.problems_file).where(ImportFile.batch_id == batch.id))
    return stored if stored is not None else build(batch.id)


def build(batch_id) -> bytes:
    """Build a batch's problems workbook from its stored upload and problems, streaming."""
    batch = db.session.get(ImportBatch, batch_id)
    problems = db.session.execute(select(ImportProblem.sheet, ImportProblem.sheet_row, ImportProblem.sheet_column,
                                         ImportProblem.value, ImportProblem.rule, ImportProblem.severity,
                                         ImportProblem.message)
                                  .where(ImportProblem.batch_id == batch_id).order_by(ImportProblem.id)).all()
    if not any(p.rule in REFUSED_RULES for p in problems):
        with tempfile.NamedTemporaryFile(prefix="imr-problems-", suffix=".xlsx") as spool:
            _spool(batch_id, batch.file_size, spool)
            readable = None
            try:
                # parts where the readers look (spreadsheets/canonical_parts.py)
                readable, _ = canonical_path(spool.name)
                return _written(lambda book, found: _annotated(book, found, readable or spool.name,
                                                                KINDS[batch.kind], problems), problems)
            except Exception:  # a copy that cannot be written must not cost the list: it alone will do
                log.exception("The upload of import %s could not be copied into its problems workbook", batch_id)
            finally:
                if readable:
                    os.unlink(readable)
    return _written(lambda book, found: None, problems)


def _written(copy, problems) -> bytes:
    """A workbook of the sheets `copy` writes, then the list of problems."""
    out = io.BytesIO()
    with streaming_workbook(out) as book:
        found = formats(book)
        copy(book, found)
        _listed(book, found, problems)
    return out.getvalue()


def _spool(batch_id, size, handle):
    """Copy the stored upload to a file in slices, so no whole copy of it sits in memory."""
    for offset in range(0, size, SPOOL_CHUNK):
        handle.write(db.session.scalar(select(func.substr(ImportFile.content, offset + 1, SPOOL_CHUNK))
                                       .where(ImportFile.batch_id == batch_id)))
    handle.flush()


def _listed(book, found, problems):
    """The sheet listing every problem kept."""
    sheet = add_sheet(book, PROBLEMS_SHEET, LIST_HEADER, LIST_WIDTHS, found)
    for p in problems:
        sheet.append([written(v) for v in (p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule, p.severity,
                                           p.message)])


def _annotated(book, found, path, kind, problems):
    """Copy each worksheet of the upload into `book`, row by row, with the problems beside their rows."""
    config = current_app.config
    max_columns = config["IMPORT_MAX_SHEET_COLUMNS"]
    try:
        sheets = _calamine_sheets(path)
    except UnsafeWorkbook:  # a sheet too large for calamine's memory, or not one calamine can read
        try:
            check_workbook(path, max_cells=config["IMPORT_MAX_SHEET_CELLS"], max_columns=max_columns)
            sheets = _openpyxl_sheets(path, max_columns)
        except Exception:  # refused, or not readable by openpyxl: the list alone will do
            return
    by_sheet = {}
    for p in problems:
        by_sheet.setdefault(p.sheet, []).append(p)
    # Looked up once for the whole workbook, not per sheet: a file may hold thousands of (hidden) sheets.
    lookup = header_lookup(kind.placed("key") if kind.layout == "grid" else kind.columns)
    taken = {sheet.name.lower() for sheet in book.worksheets()}
    for title, state, declared, rows in sheets:
        if normalise(title) == PROBLEMS_KEY:
            continue  # the list of an earlier round, in any case (as the reader skips it): a new one is written
        _copy_sheet(book, found, writable_title(taken, title), state, declared, rows, lookup,
                    by_sheet.get(title, []))


def _calamine_sheets(path):
    """(title, state, declared columns, rows) of each worksheet, read whole by calamine; only when all are small."""
    check_workbook(path, max_cells=CALAMINE_MAX_CELLS, max_columns=current_app.config["IMPORT_MAX_SHEET_COLUMNS"])
    try:
        upload = python_calamine.CalamineWorkbook.from_path(path)
    except Exception as error:  # calamine raises several types for damaged files
        raise UnsafeWorkbook(str(error)) from error
    enum = python_calamine.SheetVisibleEnum  # its members cannot be dict keys
    metas = [(i, m) for i, m in enumerate(upload.sheets_metadata) if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    return [(m.name, "hidden" if m.visible == enum.Hidden else "veryHidden" if m.visible == enum.VeryHidden
             else "visible", 0, _calamine_rows(upload, i)) for i, m in metas]


def _calamine_rows(upload, index):
    """A sheet's rows from A1 with empty cells as None, loaded when first asked for; UnreadableWorkbook where calamine
    fails on a cell (its panic is a BaseException, which would pass build's fallback to the list alone)."""
    for row in readable_rows(upload.get_sheet_by_index(index), upload.sheets_metadata[index].name):
        yield [None if v == "" else v for v in row]


def _openpyxl_sheets(path, max_columns):
    """(title, state, declared columns, rows) of each worksheet, streamed by openpyxl in read-only mode."""
    return _openpyxl_each(load_workbook(path, read_only=True, data_only=True), max_columns)


def _openpyxl_each(upload, max_columns):
    """Each sheet's (title, state, declared columns, rows); the workbook is closed after the last."""
    for source in upload.worksheets:
        declared = source.max_column if (source.max_column or 0) <= max_columns else 0  # <dimension> may lie
        source.reset_dimensions()
        yield source.title, getattr(source, "sheet_state", "visible"), declared, _openpyxl_rows(source)
    upload.close()


def _openpyxl_rows(source):
    """Rows as calamine gives them: Excel's _xHHHH_ escapes undone (openpyxl leaves them in the text)."""
    for row in source.iter_rows(values_only=True):
        yield [unescape(v) if isinstance(v, str) and "_x" in v else v for v in row]


def writable_title(taken, title):
    """The sheet's title as Excel allows one (31 characters, none of []:*?/\\, unique): a workbook made by a
    program may have titles Excel would refuse, and the writer refuses them too (the problems workbook failed).
    `taken`: the lower-cased titles of the sheets written so far; the title returned is added to them."""
    text = (_NOT_IN_TITLES.sub("_", title).strip("'") or "Sheet")[:31]
    candidate, n = text, 2
    while candidate.lower() in taken:
        candidate, n = f"{text[:31 - len(str(n)) - 3]} ({n})", n + 1
    taken.add(candidate.lower())
    return candidate


def _copy_sheet(book, found, title, state, declared, rows, lookup, problems):
    """Write one sheet of the upload as it was (as `title`), its bad cells filled and each row's problems at its
    end; `lookup`: the kind's header lookup (imports/reading/workbook.header_lookup)."""
    target = add_sheet(book, title, found=found)
    if state == "hidden":
        target.ws.hide()
    elif state == "veryHidden":
        target.ws.very_hidden()
    head = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows)]
    header_row, problems_at = _header(head, lookup)
    at = problems_at if problems_at is not None else max([declared or 0] + [_width(r) for r in head])
    notes, bad = _notes(problems, header_row)
    if notes:
        target.ws.set_column(at, at, 80)
    for number, row in enumerate(_chain(head, rows), start=1):
        values = [written(v) for v in row]
        if problems_at is not None and len(values) > problems_at:
            values[problems_at] = None  # an earlier round's notes: replaced by this round's
        styles = dict.fromkeys(bad[number], "bad") if number in bad else None
        text = notes.get(number)
        if number == header_row and notes:  # the header row's own problems follow the column's title
            text = f"{PROBLEMS_HEADER}; {text}" if text else PROBLEMS_HEADER
        if text is not None:
            column = max(at, _width(values)) if problems_at is None else at
            values.extend([None] * (column + 1 - len(values)))
            values[column] = text
            styles = {**(styles or {}), column: "bold" if number == header_row else "problem"}
        target.append(values, styles=styles)


def _header(head, lookup):
    """(Excel row of the kind's header row, 0-based column of an existing Problems header or None)."""
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
    """({Excel row: text of its problems}, {Excel row: 0-based columns of its cells with an error})."""
    by_row, bad = {}, {}
    for p in problems:
        by_row.setdefault(p.sheet_row or header_row, []).append(p)
        letter = re.match(r"^([A-Z]+) ", p.sheet_column or "")
        if letter and p.sheet_row and p.severity == "error":
            bad.setdefault(p.sheet_row, set()).add(_column_index(letter[1]))
    notes = {row: "; ".join(f"{p.sheet_column + ': ' if p.sheet_column else ''}{p.message} [{p.rule}]"
                            for p in listed) for row, listed in by_row.items()}
    return notes, bad


def written(value):
    """A value as it is written: midnight a date (text is neutralised and escaped by the writer)."""
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date()
    return value


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


def store(batch_id):
    """Build the batch's problems workbook and keep it on the batch; a failure leaves it to be built on download."""
    try:
        data = build(batch_id)
        db.session.execute(update(ImportFile).where(ImportFile.batch_id == batch_id).values(problems_file=data))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("The problems workbook of import %s could not be built", batch_id)
