"""Read attendance grids: participants down, session dates across, marks in the cells.

Each sheet is one team. Above or beside the grid, rows labelled in their first cell give the Team (and
Program) in the next cell, and a Module row gives each date column its module. Every marked cell becomes
one record shaped like a row of the sessions import, so both share one validator and one writer.
"""
from imports.cells import CellError, blank, converter
from imports.declarations import SESSIONS
from imports.problems import column_letter
from imports.workbook import data_sheets, header_key, header_lookup, load_sheet

SEARCH_ROWS = 30
POSITION = {c.key: i for i, c in enumerate(SESSIONS.columns)}


class GridSheet:
    """Where each part of one grid sheet is, to name the place of a problem."""

    def __init__(self, index, name, first_col, labels, header_row, key_col, header_text, dates, module_row):
        self.index, self.name, self.first_col = index, name, first_col
        self.labels = labels  # key -> (row, j, label text, value)
        self.header_row, self.key_col, self.header_text = header_row, key_col, header_text
        self.dates = dates  # j -> header text
        self.module_row = module_row

    def _col(self, j, text):
        return f"{column_letter(self.first_col + j)} ({text})"

    def where(self, record, key):
        _, row, j = record
        if key in ("team", "program") and key in self.labels:
            label_row, label_j, text, _ = self.labels[key]
            return label_row, self._col(label_j + 1, text)
        if key == "client_code":
            return row, self._col(self.key_col, self.header_text)
        if key == "module" and self.module_row:
            return self.module_row, self._col(j, self.dates.get(j, ""))
        return row, self._col(j, self.dates.get(j, ""))


def _labelled(row):
    """(j, label cell, first non-blank value right of it) for a row, or None for a blank row."""
    cells = [(j, cell) for j, cell in enumerate(row) if not blank(cell)]
    if not cells:
        return None
    j, label = cells[0]
    value = cells[1][1] if len(cells) > 1 else None
    return j, label, value


def read_grid(workbook, kind, report, date_order=None, progress=None):
    """Yield (sheet, record id, values aligned with the sessions kind's columns, bad) for every marked cell."""
    label_lookup = header_lookup(kind.placed("label", "across_row"))
    key_lookup = header_lookup(kind.placed("key"))
    read_code = converter(kind.column("client_code"))
    read_team = converter(kind.column("team"))
    read_program = converter(kind.column("program"))
    read_module = converter(kind.column("module"))
    read_date = converter(kind.column("session_date"), date_order)
    read_mark = converter(kind.column("attended"))
    any_grid = any_content = False
    marks = 0
    sheets = data_sheets(workbook)
    for index, name in sheets:
        sheet = load_sheet(workbook, index)
        first_col = sheet.start[1] if sheet.start else 0
        rows = list(sheet.iter_rows())
        del sheet
        labels, header_at, module_row = {}, None, None
        for i, row in enumerate(rows[:SEARCH_ROWS]):
            found = _labelled(row)
            if found is None:
                continue
            j, label, value = found
            if isinstance(label, str) and header_key(label) in key_lookup:
                header_at, key_col, header_text = i, j, label.strip()
                continue
            column = label_lookup.get(header_key(label)) if isinstance(label, str) else None
            if column is not None and column.place == "across_row":
                module_row = i
            elif column is not None:
                labels[column.key] = (i + 1, j, label.strip(), value)
            if header_at is not None and module_row is not None:
                break
        if header_at is None:
            if any(_labelled(row) for row in rows[:SEARCH_ROWS]):
                any_content = True
                report.warning("sheet.ignored", f"Sheet '{name}' has no 'Client code' header of an attendance grid; "
                                                "it was ignored.", sheet=name)
            continue
        any_grid = any_content = True
        header = rows[header_at]
        dates, date_of = {}, {}
        for j in range(key_col + 1, len(header)):
            if blank(header[j]):
                continue
            text = str(header[j]).strip() if isinstance(header[j], str) else header[j]
            dates[j] = text if isinstance(text, str) else (text.isoformat() if hasattr(text, "isoformat") else
                                                          f"{text:g}")
            date_of[j] = read_date(header[j])
        ctx = GridSheet(index, name, first_col, labels, header_at + 1, key_col, header_text, dates,
                        module_row + 1 if module_row is not None else None)
        problems = []
        if "team" not in labels or blank(labels["team"][3]):
            problems.append(("header.missing", "The grid needs a row labelled 'Team' with the team's name in the "
                                               "next cell.", None, None))
        if module_row is None:
            problems.append(("header.missing", "The grid needs a row labelled 'Module' giving each date column "
                                               "its IMR module (1-11).", None, None))
        if not dates:
            problems.append(("header.missing", "The header row has no session dates right of 'Client code'.",
                             header_at + 1, None))
        for rule, message, row_no, column in problems:
            report.error(rule, message, name, row_no, column)
        if problems:
            continue
        team = read_team(labels["team"][3])
        program = read_program(labels["program"][3]) if "program" in labels else None
        for key, value in (("team", team), ("program", program)):
            if value.__class__ is CellError:
                report.error(value.rule, value.message, name, *ctx.where((index, 0, 0), key), labels[key][3])
        modules = {j: read_module(rows[module_row][j] if j < len(rows[module_row]) else "") for j in dates}
        for j, date_value in list(date_of.items()):
            if date_value.__class__ is CellError and date_value.rule == "date.invalid":
                report.warning("header.extra", f"Column '{dates[j]}' is not a session date and was ignored.",
                               name, header_at + 1, ctx._col(j, dates[j]))
                del dates[j], date_of[j]
        data = 0
        for i in range(header_at + 1, len(rows)):
            if i == module_row:
                continue
            row = rows[i]
            excel_row = i + 1
            code = read_code(row[key_col])
            cells = [(j, read_mark(row[j])) for j in dates if j < len(row)]
            cells = [(j, mark) for j, mark in cells if mark is not None]
            if not cells:
                continue
            data += 1
            for j, mark in cells:
                record = (index, excel_row, j)
                bad = False
                for key, value in (("team", team), ("program", program), ("session_date", date_of[j]),
                                   ("module", modules[j]), ("client_code", code), ("attended", mark)):
                    if value.__class__ is CellError:
                        report.error(value.rule, value.message, name, *ctx.where(record, key),
                                     _raw(key, row, j, labels, header, rows, module_row, key_col), record)
                        bad = True
                    elif value is None and key in ("team", "session_date", "module", "client_code"):
                        what = {"module": "A module for this date", "client_code": "A client code"}.get(key, key)
                        report.error("required", f"{what} is required.", name, *ctx.where(record, key), None, record)
                        bad = True
                values = [None] * len(POSITION)
                for key, value in (("team", team), ("program", program), ("session_date", date_of[j]),
                                   ("module", modules[j]), ("client_code", code), ("attended", mark)):
                    values[POSITION[key]] = None if value.__class__ is CellError else value
                marks += 1
                if progress and marks % 20_000 == 0:
                    progress(marks, marks)
                yield ctx, record, values, bad
        if not data:
            report.error("sheet.empty", "The grid has no attendance marks under its header row.", name, header_at + 1)
    if not any_grid and not any_content:
        report.error("sheet.empty", "The workbook has no data: its sheets are empty.", sheets[0][1] if sheets else None)
    elif not any_grid:
        report.error("header.missing", "No sheet has an attendance grid: a header row starting with 'Client code' "
                                       "followed by session dates.", sheets[0][1])


def _raw(key, row, j, labels, header, rows, module_row, key_col):
    """The cell value behind a problem, for the report."""
    if key in ("team", "program"):
        return labels[key][3]
    if key == "session_date":
        return header[j]
    if key == "module":
        return rows[module_row][j] if j < len(rows[module_row]) else None
    if key == "client_code":
        return row[key_col]
    return row[j]
