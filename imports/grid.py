"""Read attendance grids: participants down, session dates across, marks in the cells.

Each sheet is one team. Rows labelled in their first cell give the Team (and Program) in the next
cell and, in a Module row, each date column's module; the row starting with 'Client code' holds the
session dates. Every marked cell becomes one record shaped like a row of the sessions kind, so both
kinds share one validator and one writer. Grids are small (people x dates), so a sheet is read whole.
"""
from imports.cells import CellError, blank, converter
from imports.declarations import SESSIONS
from imports.problems import column_letter, shown
from imports.workbook import data_sheets, header_key, header_lookup, load_sheet

SEARCH_ROWS = 30
POSITION = {c.key: i for i, c in enumerate(SESSIONS.columns)}  # where each value goes in a sessions record
REQUIRED = {"team": "The team", "session_date": "A session date", "module": "A module for this date",
            "client_code": "A client code"}


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


def _find_layout(ctx, rows, label_lookup, key_lookup):
    """Fill in where the labels, the Module row and the header row are; False when there is no grid."""
    for i, row in enumerate(rows[:SEARCH_ROWS]):
        cells = [(j, cell) for j, cell in enumerate(row) if not blank(cell)]
        if not cells or not isinstance(cells[0][1], str):
            continue
        j, label = cells[0]
        if header_key(label) in key_lookup:
            ctx.header_at, ctx.key_col, ctx.header_text = i, j, label.strip()
            continue
        column = label_lookup.get(header_key(label))
        if column is not None and column.place == "across_row":
            ctx.module_at = i
        elif column is not None:
            ctx.labels[column.key] = (i + 1, j, label.strip(), cells[1][1] if len(cells) > 1 else None)
    return ctx.header_at is not None


def _missing_parts(ctx, report):
    """Report the parts a grid cannot do without; True when one is missing."""
    problems = []
    if "team" not in ctx.labels or blank(ctx.labels["team"][3]):
        problems.append(("The grid needs a row labelled 'Team' with the team's name in the next cell.", None))
    if ctx.module_at is None:
        problems.append(("The grid needs a row labelled 'Module' giving each date column its IMR module (1-11).",
                         None))
    if not ctx.dates:
        problems.append(("The header row has no session dates right of 'Client code'.", ctx.header_at + 1))
    for message, row in problems:
        report.error("header.missing", message, ctx.name, row)
    return bool(problems)


def read_grid(workbook, kind, report, date_order=None, progress=None):
    """Yield (sheet, record id, values aligned with the sessions kind's columns, bad) for every marked cell.

    The record id of a mark is (sheet index, Excel row, column index).
    """
    label_lookup = header_lookup(kind.placed("label", "across_row"))
    key_lookup = header_lookup(kind.placed("key"))
    read = {key: converter(kind.column(key), date_order) for key in
            ("team", "program", "client_code", "module", "session_date", "attended")}
    found_grid = found_content = False
    marks = 0
    sheets = data_sheets(workbook)
    for index, name in sheets:
        sheet = load_sheet(workbook, index)
        ctx = GridSheet(index, name, sheet.start[1] if sheet.start else 0)
        rows = list(sheet.iter_rows())
        del sheet
        if not _find_layout(ctx, rows, label_lookup, key_lookup):
            if any(not blank(cell) for row in rows[:SEARCH_ROWS] for cell in row):
                found_content = True
                report.warning("sheet.ignored", f"Sheet '{name}' has no 'Client code' header of an attendance grid; "
                                                "it was ignored.", sheet=name)
            continue
        found_grid = found_content = True
        header = rows[ctx.header_at]
        dates = {}
        for j in range(ctx.key_col + 1, len(header)):
            if not blank(header[j]):
                ctx.dates[j] = shown(header[j].strip() if isinstance(header[j], str) else header[j])
                dates[j] = read["session_date"](header[j])
                if dates[j].__class__ is CellError and dates[j].rule == "date.invalid":
                    report.warning("header.extra", f"Column '{ctx.dates[j]}' is not a session date and was ignored.",
                                   name, ctx.header_at + 1, ctx.column(j, ctx.dates[j]))
                    del dates[j], ctx.dates[j]
        if _missing_parts(ctx, report):
            continue
        module_row = rows[ctx.module_at]
        fixed = {"team": read["team"](ctx.labels["team"][3]),
                 "program": read["program"](ctx.labels["program"][3]) if "program" in ctx.labels else None}
        modules = {j: read["module"](module_row[j] if j < len(module_row) else "") for j in dates}
        raw = {"team": lambda row, j: ctx.labels["team"][3], "program": lambda row, j: ctx.labels["program"][3],
               "session_date": lambda row, j: header[j], "client_code": lambda row, j: row[ctx.key_col],
               "module": lambda row, j: module_row[j] if j < len(module_row) else None,
               "attended": lambda row, j: row[j]}
        data_rows = 0
        for i in range(ctx.header_at + 1, len(rows)):
            row = rows[i]
            cells = [(j, read["attended"](row[j])) for j in dates if i != ctx.module_at and j < len(row)]
            cells = [(j, mark) for j, mark in cells if mark is not None]
            if not cells:
                continue
            data_rows += 1
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
        if not data_rows:
            report.error("sheet.empty", "The grid has no attendance marks under its header row.", name,
                         ctx.header_at + 1)
    if not found_content:
        report.error("sheet.empty", "The workbook has no data: its sheets are empty.", sheets[0][1] if sheets else None)
    elif not found_grid:
        report.error("header.missing", "No sheet has an attendance grid: a header row starting with 'Client code' "
                                       "followed by session dates.", sheets[0][1])
