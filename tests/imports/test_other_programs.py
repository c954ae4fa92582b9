"""Workbooks as LibreOffice, Google Sheets, Apple Numbers and Excel's Strict format write them, and as clerks keep
them (a table, frozen panes, text cells, stray spaces): each kind reads the same rows as from Excel's own file, or
is refused by the upload page with the format named and the fix."""
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from extensions import db
from imports.models import ImportBatch
from models import Session
from tests.imports import other_programs as op, workbooks as wbk
from tests.imports.conftest import snapshot

DAY = date(2026, 3, 2)
HISTORY = ["Program", "Team", "Scale", "Format", "Visit date", *[f"Item {n}" for n in range(1, 14)]]
# kind -> (sheet name, rows, index of the header row, how many records)
KINDS = {
    "roster": ("Roster", [wbk.ROSTER_HEADER, ["A010", "Alpha group", date(2026, 2, 1), DAY, None, None, "group"],
                          ["A011", "Alpha group", None, DAY, None, None, "individual"]], 0, 2),
    "sessions": ("Sessions", [wbk.SESSIONS_HEADER, ["Alpha group", DAY, 3, "A000", "Y", 60, None, None],
                              ["Alpha group", DAY, 3, "A001", "N", 60, None, None]], 0, 2),
    "attendance_grid": ("Grid", [["Team", "Alpha group"], ["Module", 3], ["Client code", DAY], ["A000", "Y"],
                                 ["A001", "N"]], 2, 2),
    "fidelity_history": ("Ratings", [HISTORY, ["Alpha IMR", None, "imr_fidelity", "group", date(2025, 6, 10),
                                               *[4] * 13]], 0, 1),
    "goals": ("Goals", [["Client code", "Goal reference", "Level", "Part of", "Date set"],
                        ["A000", "LT1", "Long-term goal", None, date(2026, 2, 2)],
                        ["A000", "ST1", "Short-term goal", "LT1", date(2026, 2, 9)]], 0, 2),
}


def _cells(rows, header_at, cell=lambda v: v, header=lambda h: h):
    """The rows with `header` applied to the header row's texts and `cell` to every cell under it."""
    return [[header(v) if i == header_at and isinstance(v, str) else cell(v) if i > header_at else v for v in row]
            for i, row in enumerate(rows)]


def _text(value):
    """A cell as a clerk types it into a column formatted as text."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, (int, float)) else value


# name -> (the workbook from (sheet, rows, header row), the warnings it adds to Excel's own file)
PROGRAMS = {
    "LibreOffice inline strings": (lambda s, rows, h: op.inline_strings(op.excel({s: rows})), []),
    "LibreOffice formula texts": (lambda s, rows, h: op.inline_strings(op.excel({s: rows}), formulas=True), []),
    "LibreOffice date formats": (lambda s, rows, h: op.date_formats(op.inline_strings(op.excel({s: rows}))), []),
    "LibreOffice locale dates": (lambda s, rows, h: op.date_formats(op.excel({s: rows}), b"[$-409]M/D/YYYY;@"), []),
    "Google Sheets": (lambda s, rows, h: op.date_formats(op.without_dimension(op.excel({s: rows})), b"m/d/yyyy"), []),
    "no styles part": (lambda s, rows, h: op.without_styles(op.excel({s: rows})), []),
    "Strict Open XML": (lambda s, rows, h: op.strict(op.excel({s: rows})), []),
    "Strict with ISO dates": (lambda s, rows, h: op.strict(op.excel({s: rows}), iso_dates=True), []),
    "prefixed tags": (lambda s, rows, h: op.prefixed(op.excel({s: rows})), []),
    "Apple Numbers export": (lambda s, rows, h: op.numbers_export(rows), [("sheet.ignored", "Export Summary")]),
    "data sheet not first": (lambda s, rows, h: op.excel({"Notes": [["Exported from our system"]], s: rows}),
                             [("sheet.ignored", "Notes")]),
    "hidden first sheet": (lambda s, rows, h: op.excel({"Old": rows, s: rows}, hidden=("Old",)),
                           [("sheet.hidden", "Old")]),
    "table, filter, frozen panes": (lambda s, rows, h: op.excel({s: rows}, table=h), []),
    "cells formatted as text": (lambda s, rows, h: op.excel({s: _cells(rows, h, _text)}, text_columns=range(20)), []),
    "dates typed as Jan 2 2026": (lambda s, rows, h: op.excel({s: _cells(
        rows, h, lambda v: v.strftime("%b %-d %Y") if isinstance(v, date) else v)}), []),
    "trailing and no-break spaces": (lambda s, rows, h: op.excel({s: _cells(
        rows, h, lambda v: v + " \u00a0" if isinstance(v, str) else v, lambda t: f"\u00a0{t} ")}), []),
    "headers upper case": (lambda s, rows, h: op.excel({s: _cells(rows, h, header=str.upper)}), []),
    "headers with line breaks": (lambda s, rows, h: op.excel({s: _cells(
        rows, h, header=lambda t: t.replace(" ", "\r\n", 1))}), []),
    "macro-enabled (.xlsm)": (lambda s, rows, h: op.macro_enabled(op.excel({s: rows})), []),
    "styles part elsewhere": (lambda s, rows, h: op.styles_elsewhere(op.excel({s: rows})), []),
    "shared strings elsewhere": (lambda s, rows, h: op.strings_elsewhere(op.excel({s: rows})), []),
    "workbook part elsewhere": (lambda s, rows, h: op.workbook_elsewhere(op.excel({s: rows})), []),
    "every part elsewhere": (lambda s, rows, h: op.workbook_elsewhere(op.strings_elsewhere(op.styles_elsewhere(
        op.excel({s: rows})))), []),
    "custom XML parts (SharePoint)": (lambda s, rows, h: op.custom_xml(op.excel({s: rows})), []),
}


def _read(run_import, data, kind, agency):
    """(status, new, rejected), the warnings' (rule, sheet) and the changes a check of `data` finds, sorted; the
    sheet and row of a change are left out, so that a file whose table sits lower reads the same."""
    batch = run_import(data, kind, agency, commit=False)
    changes = sorted((c.action, c.record, c.subject, c.field or "", c.old_value or "", c.new_value or "")
                     for c in batch.changes)
    return ((batch.status, batch.counts["new"], batch.counts["rejected"]),
            [(p.rule, p.sheet) for p in batch.problems], changes)


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_reads_the_same_rows_from_every_program(sqlite_world, run_import_sqlite, kind):
    """Excel's own file first, then every program's in the same world (checked, never committed): one set-up a
    kind, each program's difference collected by its name."""
    sheet, rows, header_at, records = KINDS[kind]
    counts, warnings, changes = _read(run_import_sqlite, op.excel({sheet: rows}), kind, sqlite_world.agency_a)
    assert (counts, warnings) == (("checked", records, 0), []) and len(changes) >= records
    differ = {}
    for program, (write, added) in PROGRAMS.items():
        found = _read(run_import_sqlite, write(sheet, rows, header_at), kind, sqlite_world.agency_a)
        if found != (counts, added, changes):
            differ[program] = found
    assert differ == {}


US = {"2/3/2026 in a month/day agency": ("MDY", "2/3/2026", date(2026, 2, 3)),
      "2026-02-03": (None, "2026-02-03", date(2026, 2, 3)),
      "Feb 3 2026": (None, "Feb 3 2026", date(2026, 2, 3)),
      "Feb 3, 2026": (None, "Feb 3, 2026", date(2026, 2, 3))}


@pytest.mark.parametrize("typed", list(US))
def test_dates_typed_as_text_the_american_way_are_the_days_meant(sqlite_world, run_import_sqlite, typed):
    order, text, meant = US[typed]
    sqlite_world.agency_a.date_order = order
    db.session.commit()
    data = op.excel({"Sessions": [wbk.SESSIONS_HEADER, ["Alpha group", text, 3, "A000", "Y", 60, None, None]]})
    held = select(func.count()).select_from(Session).where(Session.session_date == meant)
    assert db.session.scalar(held) == 0
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    assert db.session.scalar(held) == 1


def test_an_ambiguous_typed_date_is_refused_naming_the_cell_and_the_fix(sqlite_world, run_import_sqlite):
    data = op.excel({"Sessions": [wbk.SESSIONS_HEADER, ["Alpha group", "2/3/2026", 3, "A000", "Y", 60, None, None]]})
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    [problem] = batch.problems
    assert (batch.status, problem.sheet, problem.sheet_row, problem.sheet_column, problem.value, problem.rule) == (
        "rejected", "Sessions", 2, "B (Session date)", "2/3/2026", "date.ambiguous")
    assert "2 March 2026 or 3 February 2026" in problem.message and "yyyy-mm-dd" in problem.message


ROSTER = [wbk.ROSTER_HEADER, ["A010", "Alpha group", None, DAY, None, None, None]]


@pytest.mark.parametrize("data, name, said", [
    (op.ods(ROSTER), "roster.ods", "an OpenDocument spreadsheet (.ods), not an Excel workbook"),
    (op.ods(ROSTER), "roster.xlsx", "In LibreOffice choose File > Save As, Excel 2007-365 (.xlsx)"),
    (op.numbers_file(), "roster.numbers", "In Numbers choose File > Export To > Excel"),
    (wbk.legacy_xls(), "roster.xls", "old Excel 97-2003 workbook (.xls). Open it in Excel, save it as an Excel "
                                     "Workbook (.xlsx)"),
    (wbk.encrypted(op.excel({"Roster": ROSTER})), "roster.xlsx", "password-protected (encrypted)"),
])
def test_another_format_uploaded_by_mistake_is_named_with_its_fix(sqlite_app, sqlite_world, sqlite_client,
                                                                  sqlite_auth, data, name, said):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    before = snapshot()
    response = sqlite_auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(data), name)},
                                content_type="multipart/form-data")
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert (batch.status, [p.rule for p in batch.problems]) == ("rejected", ["file.unsafe"])
    assert said in batch.problems[0].message
    page = sqlite_client.get(response.headers["Location"])
    assert page.status_code == 200 and said in page.get_data(as_text=True).replace("&gt;", ">")
    assert snapshot() == before


def test_a_csv_or_a_name_in_any_script_reads_as_the_workbook_does(sqlite_app, sqlite_world, sqlite_client,
                                                                 sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    csv = b"Client code,Team,Start date\r\nA010,Alpha group,2026-03-02\r\n"
    for data, name in ((csv, "roster.xlsx"), (op.excel({"Roster": ROSTER}), "Rôster März 2026 – final ☃.xlsx")):
        response = sqlite_auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(data), name)},
                                    content_type="multipart/form-data")
        batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
        assert (batch.filename, batch.status, batch.counts["new"]) == (name, "checked", 1)
        assert sqlite_client.get(response.headers["Location"]).status_code == 200
