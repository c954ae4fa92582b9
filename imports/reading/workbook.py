"""Read the sheets of an uploaded workbook as declared by a kind, reporting each problem where Excel shows it.

python-calamine reads a sheet about 20x faster than openpyxl; it loads one whole sheet at a time, so
sheets are loaded one by one and dropped before the next. Formulas arrive as their saved values.
`iter_rows` starts at Excel row 1 but at the sheet's first used column, hence `first_col`.
"""
import ctypes
import gc
import io
import re
import unicodedata
from itertools import chain, islice, repeat
from operator import itemgetter

import python_calamine

from imports.reading.cells import EXCEL_EPOCH, CellError, converter, normalise
from imports.reading.hidden_rows import report_hidden_columns, report_hidden_rows, report_hidden_sheets
from imports.reading.memo_chunks import CHUNK_ROWS, MemoChunks
from imports.reading.problems import column_letter, shown
from imports.reading.sheet_notes import report_error_cells
from imports.running import timings

HEADER_SEARCH_ROWS = 20  # titles and notes above the header row are skipped
# Sheets and columns our own templates and problem workbooks add; a re-upload skips them silently.
INSTRUCTIONS_SHEET, LISTS_SHEET, PROBLEMS_SHEET = "Instructions", "Lists", "Import problems"
SKIPPED_SHEETS = tuple(normalise(name) for name in (INSTRUCTIONS_SHEET, LISTS_SHEET, PROBLEMS_SHEET))
PROBLEMS_HEADER = "Problems"
PROGRESS_EVERY = 20_000


class UnreadableWorkbook(ValueError):
    """calamine could not read the workbook; the message is for the user."""


def header_key(text) -> str:
    """How a header is compared: case, accents, spaces and punctuation do not matter; '#' reads 'number'.

    "Client #" is "clientnumber", "Date-of-Referral" and "date of referral" are "dateofreferral".
    """
    folded = unicodedata.normalize("NFKD", str(text).casefold().replace("#", " number "))
    return "".join(ch for ch in folded if ch.isalnum())


PROBLEMS_KEY = header_key(PROBLEMS_HEADER)


def header_lookup(columns):
    """{normalised header or synonym: column} for the given columns."""
    table = {}
    for column in columns:
        for name in (column.key, column.label, *column.synonyms):
            table.setdefault(header_key(name), column)
    return table


def open_workbook(source):
    """A calamine workbook from bytes or a path."""
    try:
        if isinstance(source, (bytes, bytearray)):
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(source))
        return python_calamine.CalamineWorkbook.from_path(str(source))
    except Exception as error:  # calamine raises several types for damaged files
        raise UnreadableWorkbook(f"The workbook could not be read ({type(error).__name__}). "
                                 "Open it in Excel, save it as .xlsx and upload it again.")


# Uploads smaller than this are read without handing memory back first: what they free is little, and
# the full collection costs 0.1-0.2 s of CPU in a process that has the app loaded (more in a long-lived one).
RELEASE_FROM_BYTES = 1024 * 1024


def release_memory(upload_bytes=None):
    """Hand freed heap back to the OS before a sheet is loaded whole, so that the peak starts low.

    glibc keeps freed memory (the upload's bytes, a database driver's buffers) in the process otherwise.
    `upload_bytes`: the size of the upload being read; under RELEASE_FROM_BYTES nothing is done.
    """
    if upload_bytes is not None and upload_bytes < RELEASE_FROM_BYTES:
        return
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def data_sheets(workbook):
    """(index, name) of the visible worksheets that may hold data."""
    return [(i, meta.name) for i, meta, visible in _worksheets(workbook) if visible]


def hidden_sheets(workbook):
    """Names of the worksheets hidden in Excel, which data_sheets leaves out (the template's own Lists aside)."""
    return [meta.name for _, meta, visible in _worksheets(workbook) if not visible]


def _worksheets(workbook):
    """(index, metadata, visible in Excel) of the worksheets that are not the template's own."""
    return [(i, meta, meta.visible == python_calamine.SheetVisibleEnum.Visible)
            for i, meta in enumerate(workbook.sheets_metadata)
            if meta.typ == python_calamine.SheetTypeEnum.WorkSheet and normalise(meta.name) not in SKIPPED_SHEETS]


def _calamine_row_failure(error) -> bool:
    """Whether `error` is how calamine fails handing over a row: a panic (PanicException, a BaseException that
    `except Exception` lets by) for a number formatted as a date or time that no calendar holds (-1e15),
    OverflowError for a duration ([h]:mm) past what Python's timedelta holds (1e10)."""
    return type(error).__name__ == "PanicException" or isinstance(error, OverflowError)


def readable_rows(sheet, name):
    """The rows of `sheet` (calamine's, from Excel row 1), raising an UnreadableWorkbook that names the row where
    calamine fails to hand one over (_calamine_row_failure) instead of crashing the import. Only the handing over
    is watched: what the caller does with a row raises as it would."""
    rows, row = iter(sheet.iter_rows()), 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except BaseException as error:
            if not _calamine_row_failure(error):
                raise
            raise UnreadableWorkbook(f"Row {row + 1} of sheet '{name}' holds a value that cannot be read: most likely "
                                     "a number formatted as a date, time or duration far outside what Excel can show "
                                     "(it shows ####). Correct that cell, or format it as a number, and upload the "
                                     "file again.") from None
        row += 1
        yield values


def load_sheet(workbook, index):
    try:
        return workbook.get_sheet_by_index(index)
    except Exception as error:
        raise UnreadableWorkbook(f"A sheet of the workbook could not be read ({type(error).__name__}). "
                                 "Save it again in Excel and upload it again.")


def filled_down(rows, merged, first_col):
    """The rows with the value of each merged range repeated down its first column, as Excel shows it.

    Session logs merge a session's Team and date down its rows; Excel keeps the value in the top cell only.
    Only downward: a title or header merged across columns is not copied into the columns beside it.
    """
    starts = sorted((top + 1, bottom, col - first_col) for (top, col), (bottom, _right) in merged or () if bottom > top)
    return _fill(rows, starts) if starts else rows  # most sheets: their rows as they are, nothing added per row


def _fill(rows, starts):
    """Work per row bounded by the row's width, whatever the ranges: a range merged down a whole column (to row
    1,048,576), or the same range many times over, costs nothing below the data, and a range beside the data
    (a note merged in an empty column) copies nothing."""
    last = {}  # column -> the last row of the ranges down it that the current row lies in
    upcoming = iter(starts)
    start = next(upcoming, None)
    above = None
    for r, row in enumerate(rows):
        while start is not None and start[0] <= r:
            if start[1] > last.get(start[2], -1):
                last[start[2]] = start[1]
            start = next(upcoming, None)
        if last:
            for j in [j for j, end in last.items() if end < r]:
                del last[j]
        for j in last:
            if 0 <= j < len(row) and row[j] == "":
                row[j] = above[j]
        above = row
        yield row


class RowsSheet:
    """One sheet of a rows-layout kind: where each declared column is, and how to read it."""

    def __init__(self, index, name, first_col, header_row, found):
        self.index, self.name, self.first_col, self.header_row = index, name, first_col, header_row
        self.found = found  # column key -> (position in the row list, header text as written)

    def column(self, key, cell=None):
        """'D (Client code)' for a column key; `cell` is unused in this layout."""
        if key not in self.found:
            return None
        j, text = self.found[key]
        return f"{column_letter(self.first_col + j)} ({text})"

    def where(self, record, key):
        """(row, column text) of a record's cell."""
        return record[1], self.column(key)


def _find_header(head, lookup, kind):
    """(row index in head, {key: (j, text)}, [(j, text)] extra, [(j, text, column)] repeated) of the best header
    row."""
    best = None
    for i, row in enumerate(head):
        found, extra, repeated = {}, [], []
        for j, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip() or header_key(cell) == PROBLEMS_KEY:
                continue
            column = lookup.get(header_key(cell))
            if column is None:
                extra.append((j, cell.strip()))
            elif column.key in found:
                repeated.append((j, cell.strip(), column))
            else:
                found[column.key] = (j, cell.strip())
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (i, found, extra, repeated)
    return best


def _header_checked(report, kind, ctx, extra, repeated):
    """Report repeated and missing columns; True when the sheet can be read (extra ones are looked at later)."""
    for j, text, column in repeated:  # name both: 'Start date' and 'Admission date' are one field to the reader
        first, first_text = ctx.found[column.key]
        report.error("header.duplicate", f"Column {column_letter(ctx.first_col + first)} ('{first_text}') and column "
                                         f"{column_letter(ctx.first_col + j)} ('{text}') are both read as "
                                         f"{column.label}; keep one, or rename the other.",
                     ctx.name, ctx.header_row, f"{column_letter(ctx.first_col + j)} ({text})")
    missing = [c.label for c in kind.columns if c.required and c.key not in ctx.found]
    unknown = f" Headers not recognised: {', '.join(repr(text) for _, text in extra)}." if extra else ""
    for label in missing:
        report.error("header.missing", f"The required column '{label}' is missing from the header row.{unknown}",
                     ctx.name, ctx.header_row)
    return not (missing or repeated)


def _unmatched_columns(ctx, header, extra):
    """{position in the row: header text ('' when none)} of the columns no declared column matched.

    Our own Problems column (a problems workbook uploaded again) is not one of them.
    """
    headed = dict(extra)
    matched = {j for j, _ in ctx.found.values()}
    ours = {j for j, cell in enumerate(header) if isinstance(cell, str) and header_key(cell) == PROBLEMS_KEY}
    return {j: headed.get(j, "") for j in range(len(header)) if j not in matched and j not in ours}


def _sample(row, looking, samples):
    """Keep up to 3 distinct values of each column still looked at; stop looking at a column with 3."""
    for j in list(looking):
        value = row[j] if j < len(row) else ""
        if value != "" and value is not None and (value := shown(value)) not in samples[j]:
            samples[j].append(value)
            if len(samples[j]) == 3:
                looking.remove(j)


def _report_unmatched(report, kind, ctx, headers, samples, unmatched):
    """Report each unmatched column that holds data and list it (with samples) in `unmatched`."""
    for j, header in headers.items():
        if not samples[j]:
            continue  # an empty column, headed or not, changes nothing
        letter = column_letter(ctx.first_col + j)
        named = f"Column {letter} ('{header}')" if header else f"Column {letter} has no header but"
        report.warning("header.extra", f"{named} holds data ({', '.join(samples[j])}) that is not part of a "
                                       f"{kind.title.lower()} import, so it will not be imported. If it should be, "
                                       "give it a header listed on the help page; otherwise confirm that it may be "
                                       "ignored.",
                       ctx.name, ctx.header_row, f"{letter} ({header})" if header else letter)
        if unmatched is not None:
            unmatched.append({"sheet": ctx.name, "column": letter, "header": header, "samples": samples[j]})


def _data_rows(ctx, rows, kind, report, date_order, codes=None, looking=(), samples=None, progress=None,
               epoch=EXCEL_EPOCH):
    """Yield (sheet, record id, values, bad) for the non-blank rows under a sheet's header, cell problems
    reported; return how many were yielded. `progress(how many so far)` is called every PROGRESS_EVERY.

    Half a million rows pass through here, so rows are taken a chunk at a time and a chunk whose every cell
    the converters' memos answer (after its new values are read into them, except where a new code must be
    reported at its own row: prime=) is converted column by column in C (imports/reading/memo_chunks.py, which also
    rests after a run of misses), its records going straight to the handler. Any other chunk is read row by row:
    a row's cells are looked up in the memos in one list comprehension; a row with a cell not found there (a new
    value, a blank, a problem) goes through the converters (_Converted). Only those are screened for blanks and
    missing values: the memos hold no blank of a required column, so a row found in them all has every required
    value and is not blank (a kind without required columns is read row by row, screened for blank rows).
    Unmatched columns in `looking` are sampled into `samples` until each has three values.
    """
    converted = _Converted(ctx, kind, report, date_order, codes, epoch)
    memos = [(j, convert.memo) for _, j, convert in converted.present]
    numbered = _Numbered(converted.present)
    absent, width, index, count = converted.absent, len(kind.columns), ctx.index, 0
    screen_all = not converted.required  # then a row found in the memos may still be blank
    # a roster's new codes are noticed by the row they are on (imports/kinds/codes.py): not read ahead of it
    chunked = None if screen_all else MemoChunks(converted.present, width, prime=codes is None or not codes.adds)
    rows, first = iter(rows), ctx.header_row + 1  # first: the Excel row of the chunk's first row
    while chunk := list(islice(rows, CHUNK_ROWS)):
        if looking:
            for row in chunk:
                _sample(row, looking, samples)
        found = chunked(chunk) if chunked else None
        if found is not None:
            before, count = count, count + len(chunk)
            if progress and count // PROGRESS_EVERY != before // PROGRESS_EVERY:
                progress(count - count % PROGRESS_EVERY)
            yield from zip(repeat(ctx), zip(repeat(index), range(first, first + len(chunk))), found, repeat(False))
            first += len(chunk)
            continue
        for excel_row, row in enumerate(chunk, start=first):
            try:
                values = [memo[row[j]] for j, memo in memos]
            except KeyError:
                values = numbered(row)
            if values is None:
                values, bad = converted(excel_row, row)
                if values is None:
                    continue  # a blank row
            else:
                for at, blanks in absent:
                    values[at:at] = blanks
                if screen_all and values.count(None) == width:
                    continue
                bad = False
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
            yield ctx, (index, excel_row), values, bad
        first += len(chunk)
    return count


class _Numbered:
    """The values of a row that missed the memos only by the numbers 0 and 1 (module 1, Attended marks 1 and 0),
    which are memoised apart (imports/reading/cells.py: TRUE equals 1.0 as a key), or by cells met for the first time
    that their converter reads and memoises (each participant's first row: a goal file's 25,000 client codes);
    None for any other row (a problem, a blank required cell: the converters' path reports them), and for a row
    holding TRUE or FALSE anywhere. Asked only of rows the memos did not answer, so other rows cost nothing more;
    without it a file whose every Attended cell is 1 or 0 went through the converters row by row."""

    def __init__(self, present):
        self.lookups = [(j, convert.memo, convert.numbers, convert) for _, j, convert in present]

    def __call__(self, row):
        if bool in map(type, row):
            return None
        values = []
        for j, memo, numbers, convert in self.lookups:
            raw = row[j]
            if raw in memo:
                values.append(memo[raw])
            elif raw in numbers:
                values.append(numbers[raw])
            else:
                convert(raw)  # read once; a problem is read again, and reported, on the converters' path
                if raw not in memo:
                    return None
                values.append(memo[raw])
        return values


def repeated_header(report, sheet, row, header_row):
    """Say that a copy of the header row was skipped."""
    report.warning("header.repeated", f"Row {row} repeats the header row (row {header_row}); it was skipped.", sheet, row)


TOTALS = re.compile(r"(?:grand |sub)?totals?\b|sum\b|count\b")  # the label of a totals row, lower-cased


# The start of a note left under or between the rows (an export's footer, a clerk's remark), lower-cased.
NOTE = re.compile(r"(?:\*|(?:notes?|nb|comments?|remarks?|source|exported|printed|generated|prepared by|report "
                  r"(?:run|date|generated)|run (?:on|date)|page \d+ of)\b)")


def skipped_row(report, sheet, row_number, row):
    """Whether a row is a totals row (its first cell says Total, Totals:, Grand total...) or a note (one cell,
    starting Note:, Exported..., Printed..., * ...): skipped with a warning. Asked only of rows that are not a
    record as they stand (a value missing or unreadable)."""
    first = next((cell for cell in row if cell != "" and cell is not None), None)
    if not isinstance(first, str):
        return False
    said = " ".join(first.split()).lower()
    if TOTALS.match(said):
        report.warning("row.totals", f"Row {row_number} is a totals row ('{first.strip()}'); it was not imported.",
                       sheet, row_number)
    elif NOTE.match(said) and sum(cell != "" and cell is not None for cell in row) == 1:
        report.warning("row.note", f"Row {row_number} is a note ('{first.strip()[:60]}'); it was not imported.",
                       sheet, row_number)
    else:
        return False
    return True


class _Converted:
    """Reads a sheet's rows through its converters: the rows its memos do not answer alone."""

    def __init__(self, ctx, kind, report, date_order, codes, epoch=EXCEL_EPOCH):
        self.ctx, self.kind, self.report = ctx, kind, report
        self.failed = []
        # (position in kind.columns, position in the sheet's row, converter)
        self.present = [(pos, ctx.found[c.key][0], converter(c, date_order, self.failed, codes=codes, epoch=epoch))
                        for pos, c in enumerate(kind.columns) if c.key in ctx.found]
        # the columns the sheet lacks, always blank: [(position, (None,) * how many from there)]
        self.absent = _runs(pos for pos, c in enumerate(kind.columns) if c.key not in ctx.found)
        self.required = [pos for pos, c in enumerate(kind.columns) if c.required]
        self.required_present = [i for i, (pos, _, _) in enumerate(self.present) if kind.columns[pos].required]
        self.header_names = {name.lower() for c in kind.columns for name in (c.key, c.label, *c.synonyms)}
        self.screened = _values_at(self.required or range(len(kind.columns)))  # a blank row: None in each

    def __call__(self, excel_row, row):
        """(values, bad) of a row, its problems reported; (None, False) for a blank row."""
        ctx, kind = self.ctx, self.kind
        noted = len(self.failed)
        values = [convert(row[j]) for _, j, convert in self.present]
        if len(self.failed) != noted and self._repeats_header(excel_row, row):
            return None, False
        if (len(self.failed) != noted or None in (values[i] for i in self.required_present)) and (
                skipped_row(self.report, ctx.name, excel_row, row)):
            return None, False
        errored = _report_cells(self.report, ctx, kind, excel_row, row, self.present, values) \
            if len(self.failed) != noted else ()
        for at, blanks in self.absent:
            values[at:at] = blanks
        if None not in self.screened(values):
            return values, bool(errored)
        if not errored and values.count(None) == len(values):
            return None, False
        missing = [kind.columns[pos] for pos in self.required if values[pos] is None and pos not in errored]
        for column in missing:
            if self.report.has_error_at(ctx.name, excel_row, ctx.column(column.key)):
                continue  # a cell showing an error in Excel, reported as such (imports/reading/sheet_notes.py)
            self.report.error("required", f"{column.label} is required.", ctx.name, excel_row,
                              ctx.column(column.key), None, (ctx.index, excel_row))
        return values, bool(errored or missing)

    def _repeats_header(self, excel_row, row):
        """Whether a row that failed its converters is a copy of the header (two blocks pasted one under the
        other): skipped with a warning, where each of its cells was an error naming a team 'Team'. A header
        with its columns in other places is an error: the rows under it would be read under the first one."""
        ctx = self.ctx
        if all(isinstance(row[j], str) and row[j].strip() == text for j, text in ctx.found.values()):
            repeated_header(self.report, ctx.name, excel_row, ctx.header_row)
            return True
        # Only the read columns, compared this plainly: a file whose every row fails (dates in the wrong order)
        # asks it of each row.
        if sum(isinstance(row[j], str) and row[j].strip().lower() in self.header_names
               for j, _ in ctx.found.values()) >= 2:
            self.report.error("header.again", f"Row {excel_row} is a second header row with its columns in other "
                                              f"places than row {ctx.header_row}: the rows under it would be read "
                                              "under the first one. Keep one header row per sheet.",
                              ctx.name, excel_row, None, None, (ctx.index, excel_row))
            return True
        return False


def _runs(positions):
    """[(position, (None,) * length)] of the runs of consecutive positions (ascending), for absent columns to go
    into a row as a few slices: a goal sheet without its last nine review columns and the wording took ten
    list.insert() calls a row (100k rows: 0.13 s against 0.05 s so)."""
    runs = []
    for pos in positions:
        if runs and runs[-1][0] + len(runs[-1][1]) == pos:
            runs[-1] = (runs[-1][0], runs[-1][1] + (None,))
        else:
            runs.append((pos, (None,)))
    return runs


def _values_at(positions):
    """values -> a tuple of the values at these positions (itemgetter, but a tuple for one position too)."""
    positions = list(positions)
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda values: tuple(values[p] for p in positions)


def _report_cells(report, ctx, kind, excel_row, row, present, values):
    """Report the cells of a row that their converters refused and blank them; their positions in kind.columns."""
    errored = ()
    for i, value in enumerate(values):
        if value.__class__ is CellError:
            pos, j, _ = present[i]
            column = kind.columns[pos]
            report.error(value.rule, value.message, ctx.name, excel_row, ctx.column(column.key), row[j],
                         (ctx.index, excel_row))
            values[i] = None
            errored = (*errored, pos)
    return errored


def read_rows(workbook, kind, report, date_order=None, progress=None, codes=None, unmatched=None, notes=None,
              epoch=EXCEL_EPOCH):
    """Yield (sheet, record id, values aligned with kind.columns, bad) for every non-blank data row.

    record id is (sheet index, Excel row); bad is True when a cell could not be read (already reported).
    codes: the agency's CodeBook for client codes; unmatched: a list given the columns that hold data but
    match no declared column ({"sheet", "column", "header", "samples"}); notes: {sheet name: SheetNotes}
    of the sheets with rows or columns hidden in Excel or error cells (imports/reading/sheet_notes.py), reported;
    epoch: the day Excel's day numbers count from in this workbook (cells.EPOCH_1904 in a workbook of the 1904 system).
    """
    lookup = header_lookup(kind.columns)
    sheets = data_sheets(workbook)
    report_hidden_sheets(report, hidden_sheets(workbook))
    any_sheet = any_content = False
    seen_rows = 0
    for index, name in sheets:
        timings.lap("lookups, code book")
        sheet = load_sheet(workbook, index)
        timings.lap("parse the sheet (what is left of it)")
        first_col = sheet.start[1] if sheet.start else 0
        expected_rows = seen_rows + (sheet.end[0] if sheet.end else 0)
        rows = filled_down(readable_rows(sheet, name), getattr(sheet, "merged_cell_ranges", None), first_col)
        head = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows)]
        header = _find_header(head, lookup, kind)
        if header is None:
            if any(any(cell != "" for cell in row) for row in head):
                any_content = True
                report.warning("sheet.ignored", f"Sheet '{name}' has no header row with the columns of a "
                                                f"{kind.title.lower()} import; it was ignored.", sheet=name)
            continue
        at, found, extra, repeated = header
        any_sheet = any_content = True
        ctx = RowsSheet(index, name, first_col, at + 1, found)
        if not _header_checked(report, kind, ctx, extra, repeated):
            continue
        noted, columns_read = (notes or {}).get(name), {first_col + j: text for j, text in found.values()}
        report_hidden_rows(report, name, ctx.header_row, noted)
        report_hidden_columns(report, name, ctx.header_row, noted, columns_read)
        report_error_cells(report, name, ctx.header_row, noted, columns_read, lambda row, column: (index, row))
        headers = _unmatched_columns(ctx, head[at], extra)
        samples = {j: [] for j in headers}
        seen = seen_rows  # rows of the sheets before this one
        data_rows = yield from _data_rows(ctx, chain(head[at + 1:], rows), kind, report, date_order, codes,
                                          set(headers), samples,
                                          progress and (lambda n: progress(seen + n, expected_rows)), epoch)
        seen_rows += data_rows
        _report_unmatched(report, kind, ctx, headers, samples, unmatched)
        if data_rows == 0:
            report.error("sheet.empty", "The sheet has a header row but no data rows under it.", name, ctx.header_row)
        del rows, sheet, head  # one whole sheet at a time
    if not any_content:
        report.error("sheet.empty", "The workbook has no data: its sheets are empty.", sheets[0][1] if sheets else None)
    elif not any_sheet:
        expected = ", ".join(c.label for c in kind.columns if c.required)
        report.error("header.missing", f"No sheet has the header row of a {kind.title.lower()} import "
                                       f"(expected columns: {expected}).", sheets[0][1])
