"""Read attendance grids: participants down, session dates across, marks in the cells.

Each sheet is one team, named in a row labelled 'Team' (its value in the next cell) or, without one, by the
team chosen on the upload form. An optional Module row gives each date column its module; without it the
sessions are recorded with the module not recorded. The row starting with 'Client code' holds the session
dates. A column marked cancelled (in its cells, its Module cell or beside its date) is no session at all.
Every marked cell becomes one record shaped like a row of the sessions kind, so both kinds share one
validator and one writer. Grids are small (people x dates), so a sheet is read whole.
"""
import re

from imports.kinds.declarations import CANCELLED_MARKS, SESSIONS
from imports.reading.cells import EXCEL_EPOCH, CellError, blank, converter, normalise, says_nothing
from imports.reading.hidden_rows import report_hidden_columns, report_hidden_rows, report_hidden_sheets
from imports.reading.problems import column_letter, shown
from imports.reading.sheet_notes import report_error_cells
from imports.reading.workbook import (data_sheets, header_key, header_lookup, hidden_sheets, load_sheet,
                                      readable_rows, repeated_header, skipped_row)

SEARCH_ROWS = 30
POSITION = {c.key: i for i, c in enumerate(SESSIONS.columns)}  # where each value goes in a sessions record
REQUIRED = {"team": "The team", "session_date": "A session date", "client_code": "A client code"}
CANCELLED = frozenset(normalise(mark) for mark in CANCELLED_MARKS)
# A cancelled note beside a date in a header cell ("2026-02-16 (cancelled)"); a lone C there is too terse to trust.
_NOTE = re.compile(r"\(?\b(?:" + "|".join(re.escape(m) for m in sorted(CANCELLED_MARKS, key=len, reverse=True)
                                           if len(m) > 1) + r")\b\)?", re.IGNORECASE)


def is_cancelled(cell) -> bool:
    """Whether a cell says its column's session was cancelled."""
    return isinstance(cell, str) and normalise(cell) in CANCELLED


def _without_note(header):
    """(the header without a cancelled note, whether it had one)."""
    if not isinstance(header, str):
        return header, False
    text, notes = _NOTE.subn(" ", header)
    return (" ".join(text.split()).strip(" -–:,;"), True) if notes else (header, False)


class GridSheet:
    """The layout of one grid sheet, to read it and to name the place of a problem."""

    def __init__(self, index, name, first_col):
        self.index, self.name, self.first_col = index, name, first_col
        self.labels = {}  # "team"/"program" -> (Excel row, j of the label, label text, value)
        self.header_at = self.key_col = self.module_at = None  # row indexes (0-based) and key column
        self.header_text = ""
        self.dates = {}  # j -> header text of a date column

    def column(self, j, text):
        return f"{column_letter(self.first_col + j)} ({text})"

    def where(self, record, key):
        """(Excel row, column text) of the cell behind `key` for the mark at `record`."""
        _, row, j = record
        if key in self.labels:
            label_row, label_j, text, _ = self.labels[key]
            return label_row, self.column(label_j + 1, text)
        if key == "client_code":
            return row, self.column(self.key_col, self.header_text)
        if key == "module":
            row = self.module_at + 1
        elif key == "session_date":
            row = self.header_at + 1
        return row, self.column(j, self.dates.get(j, ""))

    def label_value(self, key):
        label = self.labels.get(key)
        return None if label is None or blank(label[3]) else label[3]


def _find_layout(ctx, rows, label_lookup, key_lookup):
    """Fill in where the labels, the Module row and the header row are; False when there is no grid."""
    for i, row in enumerate(rows[:SEARCH_ROWS]):
        cells = [(j, cell) for j, cell in enumerate(row) if not blank(cell)]
        if not cells or not isinstance(cells[0][1], str):
            continue
        j, label = cells[0]
        if header_key(label) in key_lookup:
            if ctx.header_at is None:  # the first: a later copy is read as a row (_without_headers_and_totals)
                ctx.header_at, ctx.key_col, ctx.header_text = i, j, label.strip()
            continue
        column = label_lookup.get(header_key(label))
        if column is not None and column.place == "across_row":
            ctx.module_at = i
        elif column is not None:
            ctx.labels[column.key] = (i + 1, j, label.strip(), cells[1][1] if len(cells) > 1 else None)
    return ctx.header_at is not None


def _read_dates(ctx, header, read, report):
    """{j: date or CellError} of the header's date columns, and {j: Excel row} of those noted as cancelled."""
    dates, cancelled = {}, {}
    for j in range(ctx.key_col + 1, len(header)):
        if blank(header[j]):
            continue
        ctx.dates[j] = shown(header[j].strip() if isinstance(header[j], str) else header[j])
        text, noted = _without_note(header[j])
        dates[j] = read["session_date"](text)
        if dates[j].__class__ is CellError and dates[j].rule == "date.invalid":
            report.warning("header.extra", f"Column '{ctx.dates[j]}' is not a session date and was ignored.",
                           ctx.name, ctx.header_at + 1, ctx.column(j, ctx.dates[j]))
            del dates[j], ctx.dates[j]
        elif noted:
            cancelled[j] = ctx.header_at + 1
    return dates, cancelled


def _without_headers_and_totals(ctx, rows, data_rows, key_lookup, report):
    """The data rows less totals rows (skipped with a warning) and copies of the header row (a grid pasted twice): a
    copy with the same dates is skipped with a warning; one with other dates is a second grid whose marks would be
    read under the first one's dates, so it is an error. (The last copy used to be taken as the header, dropping
    the marks above it unsaid.)"""
    header = [shown(cell) for cell in rows[ctx.header_at][ctx.key_col + 1:]]
    kept = []
    for i in data_rows:
        row = rows[i]
        key = row[ctx.key_col] if ctx.key_col < len(row) else None
        if skipped_row(report, ctx.name, i + 1, row):
            continue
        if not (isinstance(key, str) and header_key(key) in key_lookup):
            kept.append(i)
            continue
        dates = [shown(cell) for cell in row[ctx.key_col + 1:]]
        if _trimmed(dates) == _trimmed(header):
            repeated_header(report, ctx.name, i + 1, ctx.header_at + 1)
        else:
            report.error("header.again", f"Row {i + 1} is a second header row with other session dates than row "
                                         f"{ctx.header_at + 1}: a sheet holds one grid, and the marks under it would "
                                         "be read under the first one's dates. Move the second grid to a sheet of "
                                         "its own.", ctx.name, i + 1, ctx.column(ctx.key_col, ctx.header_text), key)
    return kept


def _trimmed(cells):
    while cells and cells[-1] is None:
        cells = cells[:-1]
    return cells


def _team(ctx, chosen, read, report):
    """{"team": .., "program": ..} every record of the sheet carries, or None when the team is not known."""
    written, program = ctx.label_value("team"), ctx.label_value("program")
    if chosen is None:
        if written is None:
            report.error("header.missing", "The grid needs a row labelled 'Team' with the team's name in the next "
                                           "cell, or choose the team on the upload form.", ctx.name)
            return None
        return {"team": read["team"](written), "program": read["program"](program) if program else None}
    team, team_program = chosen
    for key, value, meant in (("team", written, team), ("program", program, team_program)):
        if value is not None and normalise(value) != normalise(meant):
            report.error(f"{key}.contradicts", f"The {key.title()} row says '{shown(value)}' but the team chosen on "
                                               f"the upload form is '{team}' of '{team_program}'. Correct or remove "
                                               "the row, or upload the file again choosing the right team.",
                         ctx.name, *ctx.where((ctx.index, 0, 0), key), value)
            return None
    return {"team": team, "program": team_program}


def _module_across(ctx, rows, merged):
    """Repeat a Module cell merged across date columns into each of them, as Excel shows it: a module taught over
    four weeks is one merged cell over its four dates, and only its first column holds the value."""
    if ctx.module_at is None:
        return
    row = rows[ctx.module_at]
    for (top, left), (bottom, right) in merged or ():
        if top <= ctx.module_at <= bottom and left - ctx.first_col < len(row):
            value = rows[top][left - ctx.first_col]
            for j in range(left - ctx.first_col + 1, min(right - ctx.first_col + 1, len(row))):
                if blank(row[j]):
                    row[j] = value


def _modules(ctx, rows, dates, read, cancelled):
    """{j: module, None or CellError} of the date columns; cancelled notes in the Module row go to `cancelled`."""
    if ctx.module_at is None:
        return dict.fromkeys(dates)
    row = rows[ctx.module_at]
    modules = {}
    for j in dates:
        cell = row[j] if j < len(row) else None
        if is_cancelled(cell):
            cancelled.setdefault(j, ctx.module_at + 1)
        modules[j] = read["module"](cell)
    return modules


def _warn_unknown_modules(ctx, dates, modules, report):
    """Say which sessions will be recorded with the module not recorded (and so left out of module figures)."""
    if ctx.module_at is None:
        report.warning("module.none", f"The sheet has no Module row: its {len(dates)} session "
                                      f"date{'s are' if len(dates) != 1 else ' is'} recorded with the module not "
                                      "recorded, and module figures leave them out.", ctx.name)
        return
    unknown = [ctx.column(j, ctx.dates[j]) for j in dates if modules[j] is None]
    if unknown:
        report.warning("module.blank", f"{len(unknown)} date column{'s have' if len(unknown) > 1 else ' has'} no "
                                       f"module ({', '.join(unknown[:10])}{', …' if len(unknown) > 10 else ''}): "
                                       "recorded with the module not recorded, left out of module figures.",
                       ctx.name, ctx.module_at + 1)


def _drop_cancelled(ctx, rows, data_rows, dates, cancelled, report):
    """Take cancelled columns out of `dates`: a line each in the preview, or an error if marks sit in them."""
    for i in data_rows:
        for j in dates:
            if j < len(rows[i]) and is_cancelled(rows[i][j]):
                cancelled.setdefault(j, i + 1)
    for j, said_at in sorted(cancelled.items()):
        if j not in dates:
            continue
        day = dates.pop(j)
        where = ctx.column(j, ctx.dates[j])
        marked = [i for i in data_rows if j < len(rows[i]) and not says_nothing(rows[i][j])
                  and not is_cancelled(rows[i][j])]
        if marked:
            first = marked[0]
            report.error("session.cancelled_marked",
                         f"Row {said_at} marks the session of column {where} cancelled, but the column has "
                         f"{len(marked)} attendance mark{'s' if len(marked) > 1 else ''} (rows {first + 1}"
                         f"{f'-{marked[-1] + 1}' if len(marked) > 1 else ''}). A cancelled session has no "
                         "attendance: remove the marks or the cancellation.",
                         ctx.name, first + 1, where, rows[first][j], (ctx.index, first + 1, j))
            report.rejected.update((ctx.index, i + 1, j) for i in marked)
        else:
            when = day.isoformat() if hasattr(day, "isoformat") else ctx.dates[j]
            report.warning("session.cancelled", f"The session of {when} is marked cancelled (row {said_at}): it is "
                                                "not recorded as a session and not counted as offered. (An import "
                                                "removes nothing: a session recorded earlier on that date stays.)",
                           ctx.name, said_at, where, rows[said_at - 1][j] if j < len(rows[said_at - 1]) else None)


def _list_unmatched(ctx, rows, header, used, unmatched):
    """List header columns that are not session dates yet hold marks below, with up to three samples: the
    preview shows them and a commit needs the clerk to confirm they are ignored, as for the other kinds."""
    for j in range(ctx.key_col + 1, len(header)):
        if j in used or blank(header[j]):
            continue
        samples = []
        for row in rows[ctx.header_at + 1:]:
            if j < len(row) and not blank(row[j]) and shown(row[j]) not in samples:
                samples.append(shown(row[j]))
                if len(samples) == 3:
                    break
        if samples:
            unmatched.append({"sheet": ctx.name, "column": column_letter(ctx.first_col + j),
                              "header": shown(header[j]), "samples": samples})


def read_grid(workbook, kind, report, date_order=None, progress=None, chosen_team=None, codes=None,
              unmatched=None, notes=None, epoch=EXCEL_EPOCH):
    """Yield (sheet, record id, values aligned with the sessions kind's columns, bad) for every marked cell.

    The record id of a mark is (sheet index, Excel row, column index). `chosen_team`: (team name, program
    name) picked on the upload form, for sheets without a Team row. `notes`, `epoch`: as read_rows takes them.
    """
    label_lookup = header_lookup(kind.placed("label", "across_row"))
    key_lookup = header_lookup(kind.placed("key"))
    read = {key: converter(kind.column(key), date_order, codes=codes, epoch=epoch) for key in
            ("team", "program", "client_code", "module", "session_date", "attended")}
    found_grid = found_content = False
    marks = 0
    sheets = data_sheets(workbook)
    report_hidden_sheets(report, hidden_sheets(workbook))
    for index, name in sheets:
        sheet = load_sheet(workbook, index)
        ctx = GridSheet(index, name, sheet.start[1] if sheet.start else 0)
        rows = list(readable_rows(sheet, name))
        merged = getattr(sheet, "merged_cell_ranges", None)
        del sheet
        if not _find_layout(ctx, rows, label_lookup, key_lookup):
            if any(not blank(cell) for row in rows[:SEARCH_ROWS] for cell in row):
                found_content = True
                report.warning("sheet.ignored", f"Sheet '{name}' has no 'Client code' header of an attendance grid; "
                                                "it was ignored.", sheet=name)
            continue
        found_grid = found_content = True
        noted = (notes or {}).get(name)
        report_hidden_rows(report, name, ctx.header_at + 1, noted)
        header = rows[ctx.header_at]
        dates, cancelled = _read_dates(ctx, header, read, report)
        columns_read = {ctx.first_col + j: shown(header[j]) for j in (ctx.key_col, *dates)}
        report_hidden_columns(report, name, ctx.header_at + 1, noted, columns_read)
        report_error_cells(report, name, ctx.header_at + 1, noted, columns_read,
                           lambda row, column: (index, row, column - ctx.first_col))
        if unmatched is not None:
            _list_unmatched(ctx, rows, header, set(dates) | set(cancelled), unmatched)
        fixed = _team(ctx, chosen_team, read, report)
        if not dates:
            report.error("header.missing", "The header row has no session dates right of 'Client code'.", name,
                         ctx.header_at + 1)
        if fixed is None or not dates:
            continue
        _module_across(ctx, rows, merged)
        modules = _modules(ctx, rows, dates, read, cancelled)
        data_rows = _without_headers_and_totals(ctx, rows, [i for i in range(ctx.header_at + 1, len(rows))
                                                          if i != ctx.module_at], key_lookup, report)
        _drop_cancelled(ctx, rows, data_rows, dates, cancelled, report)
        if dates:
            _warn_unknown_modules(ctx, dates, modules, report)
        module_row = rows[ctx.module_at] if ctx.module_at is not None else ()
        raw = {"team": lambda row, j: ctx.label_value("team") or fixed["team"],
               "program": lambda row, j: ctx.label_value("program"),
               "session_date": lambda row, j: header[j], "client_code": lambda row, j: row[ctx.key_col],
               "module": lambda row, j: module_row[j] if j < len(module_row) else None,
               "attended": lambda row, j: row[j]}
        marked_rows = 0
        for i in data_rows:
            row = rows[i]
            cells = [(j, read["attended"](row[j])) for j in dates if j < len(row)]
            cells = [(j, mark) for j, mark in cells if mark is not None]
            if not cells:
                continue
            marked_rows += 1
            code = read["client_code"](row[ctx.key_col])
            for j, mark in cells:
                record = (index, i + 1, j)
                given = {**fixed, "session_date": dates[j], "module": modules[j], "client_code": code,
                         "attended": mark}
                bad = False
                for key, value in given.items():
                    if value.__class__ is CellError:
                        report.error(value.rule, value.message, name, *ctx.where(record, key), raw[key](row, j), record)
                        bad = True
                    elif value is None and key in REQUIRED:
                        report.error("required", f"{REQUIRED[key]} is required.", name, *ctx.where(record, key),
                                     None, record)
                        bad = True
                values = [None] * len(POSITION)
                for key, value in given.items():
                    values[POSITION[key]] = None if value.__class__ is CellError else value
                marks += 1
                if progress and marks % 20_000 == 0:
                    progress(marks, marks)
                yield ctx, record, values, bad
        if not marked_rows and not cancelled:
            report.error("sheet.empty", "The grid has no attendance marks under its header row.", name,
                         ctx.header_at + 1)
    if not found_content:
        report.error("sheet.empty", "The workbook has no data: its sheets are empty.", sheets[0][1] if sheets else None)
    elif not found_grid:
        report.error("header.missing", "No sheet has an attendance grid: a header row starting with 'Client code' "
                                       "followed by session dates.", sheets[0][1])
