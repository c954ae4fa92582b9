"""Downloadable templates, built from a kind's declaration: an Instructions sheet and a data sheet with
drop-downs, date-formatted date cells and text-formatted client codes. Written with openpyxl directly
(spreadsheets/export.py writes plain tables); every value written passes through safe_cell."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from imports.kinds.declarations import ATTENDED_MARKS, CANCELLED_MARKS, NOT_APPLICABLE
from imports.reading.cells import TWO_DIGIT_YEARS
from imports.reading.problems import column_letter
from imports.reading.workbook import INSTRUCTIONS_SHEET as INSTRUCTIONS, LISTS_SHEET as LISTS
from spreadsheets.export import safe_cell

ROWS = 1000  # rows formatted and validated below the header
FORMATS = {"date": "yyyy-mm-dd", "code": "@", "text": "@", "int": "0"}
BOLD, HEAD_FILL = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")


def template_workbook(kind, agency=None, team=None, client_codes=()) -> bytes:
    """The template for a kind; with an agency, its team names in a drop-down; a grid for a team lists its codes."""
    wb = Workbook()
    _instructions(wb.active, kind, agency)
    lists = wb.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    teams = sorted({t.name for p in agency.programs for t in p.teams}) if agency else []
    for i, name in enumerate(teams, start=1):
        lists.cell(i, 1, safe_cell(name))
    team_list = f"={LISTS}!$A$1:$A${len(teams)}" if teams else None
    data = wb.create_sheet(kind.sheet_title)
    if kind.layout == "grid":
        _grid(data, kind, team, team_list, client_codes)
    else:
        _rows(data, kind, team_list)
    wb.active = wb.index(data)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _instructions(ws, kind, agency):
    ws.title = INSTRUCTIONS
    lines = [(kind.title, Font(bold=True, size=14)), (kind.summary, None), (kind.identity, None), *((n, None) for n in
             kind.notes), (kind.clearing, None),
             ("Dates: real dates, Excel date numbers or yyyy-mm-dd text. Text like 03/04/2026 is "
              "accepted only when day and month cannot be confused, or when the agency's date order is "
              "set" + (f" (this agency: {agency.date_order})" if agency and agency.date_order else
                       " (not set for this agency)" if agency else "") + ". " + TWO_DIGIT_YEARS, None),
             ("Fill the sheet '" + kind.sheet_title + "' and upload the whole workbook; this sheet is ignored.", None)]
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(i, 1, safe_cell(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font
    top = len(lines) + 2
    for j, head in enumerate(("Column", "Required", "What to enter", "Example"), start=1):
        ws.cell(top, j, head).font = BOLD
    for i, column in enumerate(kind.columns, start=top + 1):
        for j, value in enumerate((column.label, "yes" if column.required else "", column.help, column.example),
                                  start=1):
            cell = ws.cell(i, j, safe_cell(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (22, 10, 80, 24)):
        ws.column_dimensions[letter].width = width


def _validation(ws, column, team_list):
    """A drop-down or range check for a column's type, or None."""
    if column.key == "team" and team_list:
        return DataValidation(type="list", formula1=team_list, allow_blank=True, showErrorMessage=False)
    if column.type == "choice":
        values = ",".join(column.aliases)
    elif column.type == "attended":
        values = ",".join(marks[0] for marks in ATTENDED_MARKS.values())
    elif column.type == "rating":
        values = "1,2,3,4,5," + NOT_APPLICABLE[0].upper()
    elif column.type == "int" and column.minimum is not None:
        return DataValidation(type="whole", operator="between", formula1=str(column.minimum),
                              formula2=str(column.maximum), allow_blank=True, showErrorMessage=True,
                              error=f"{column.label}: a whole number from {column.minimum} to {column.maximum}.")
    else:
        return None
    return DataValidation(type="list", formula1=f'"{values}"', allow_blank=True, showErrorMessage=True,
                          error=f"{column.label}: choose one of {values}.")


def _format(ws, col, first, last, number_format, validation=None):
    letter = column_letter(col - 1)
    for r in range(first, last + 1):
        ws.cell(r, col).number_format = number_format
    if validation is not None:
        ws.add_data_validation(validation)
        validation.add(f"{letter}{first}:{letter}{last}")


def _rows(ws, kind, team_list):
    for j, column in enumerate(kind.columns, start=1):
        cell = ws.cell(1, j, safe_cell(column.label))
        cell.font, cell.fill = BOLD, HEAD_FILL
        ws.column_dimensions[column_letter(j - 1)].width = max(12, len(column.label) + 4)
        _format(ws, j, 2, ROWS + 1, FORMATS.get(column.type, "General"), _validation(ws, column, team_list))
    ws.freeze_panes = "A2"


def _grid(ws, kind, team, team_list, client_codes):
    """Team and Program labels and a Module row (all optional), the Client code header with dates across, codes
    down; the cells offer the attendance marks and C for a cancelled session."""
    labels = {c.key: c for c in kind.columns}
    ws.cell(1, 1, labels["team"].label).font = BOLD
    ws.cell(1, 2, safe_cell(team.name) if team else None)
    if team_list:
        _format(ws, 2, 1, 1, "@", _validation(ws, labels["team"], team_list))
    ws.cell(2, 1, labels["program"].label).font = BOLD
    ws.cell(2, 2, safe_cell(team.program.name) if team else None)
    ws.cell(3, 1, labels["module"].label).font = BOLD
    head = ws.cell(4, 1, labels["client_code"].label)
    head.font, head.fill = BOLD, HEAD_FILL
    dates = 26
    for col in range(2, dates + 2):
        ws.cell(4, col).number_format = "yyyy-mm-dd"
        ws.cell(4, col).fill = HEAD_FILL
        ws.column_dimensions[column_letter(col - 1)].width = 12
        _format(ws, col, 5, ROWS + 4, "@")
    module_check = _validation(ws, labels["module"], None)
    ws.add_data_validation(module_check)
    module_check.add(f"B3:{column_letter(dates)}3")
    offered = ",".join([marks[0] for marks in ATTENDED_MARKS.values()] + [CANCELLED_MARKS[0]])
    marks = DataValidation(type="list", formula1=f'"{offered}"', allow_blank=True, showErrorMessage=True,
                           error=f"Choose one of {offered} ({CANCELLED_MARKS[0]}: the session was cancelled).")
    ws.add_data_validation(marks)
    marks.add(f"B5:{column_letter(dates)}{ROWS + 4}")
    _format(ws, 1, 5, ROWS + 4, "@")
    ws.column_dimensions["A"].width = 16
    for i, code in enumerate(client_codes, start=5):
        ws.cell(i, 1, safe_cell(code))
    ws.freeze_panes = "B5"
