"""Reading sheets as a kind declares them: headers, blank rows, extra columns, row numbers as Excel shows them."""
import io
from datetime import date

import pytest
from openpyxl import Workbook

from imports.kinds.declarations import ROSTER, SESSIONS
from imports.reading.problems import Report
from imports.reading.workbook import open_workbook, read_rows
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot, table_counts


def read(data, kind=ROSTER):
    report = Report()
    rows = [(sheet.name, record[1], values) for sheet, record, values, bad in
            read_rows(open_workbook(data), kind, report) if not bad]
    problems = [(p.severity, p.sheet, p.row, p.column, p.rule) for p in report.kept]
    return rows, problems


def test_headers_match_without_case_spaces_or_synonyms_and_extra_columns_are_reported():
    data = wbk.xlsx({"Clients": [["Title of my sheet"], [],
                                 ["CLIENT_ID", " team ", "Notes", "Start", "Discharge Date"],
                                 ["007", "Alpha group", "likes tea", date(2026, 1, 5), None],
                                 [None, None, None, None, None],
                                 ["008", "Alpha group", None, date(2026, 1, 6), date(2026, 3, 1)]]})
    rows, problems = read(data)
    assert [(sheet, row, values[0], values[4], values[5]) for sheet, row, values in rows] == [
        ("Clients", 4, "007", date(2026, 1, 5), None), ("Clients", 6, "008", date(2026, 1, 6), date(2026, 3, 1))]
    assert problems == [("warning", "Clients", 3, "C (Notes)", "header.extra")]


def test_row_and_column_letters_follow_excel_when_the_table_starts_elsewhere():
    wb = Workbook()
    ws = wb.active
    ws["C3"], ws["D3"], ws["E3"] = "Client code", "Team", "Start date"
    ws["C4"], ws["D4"], ws["E4"] = "A1", "Alpha group", "not a date"
    buffer = io.BytesIO()
    wb.save(buffer)
    _, problems = read(buffer.getvalue())
    assert problems == [("error", "Sheet", 4, "E (Start date)", "date.invalid")]


def test_missing_and_repeated_columns_stop_the_sheet():
    _, problems = read(wbk.xlsx({"R": [["Client code", "Team"], ["A1", "Alpha group"]]}))
    assert problems == [("error", "R", 1, None, "header.missing")]
    _, problems = read(wbk.xlsx({"R": [["Client code", "Client", "Team", "Start date"], ["A1", "A1", "T", 1]]}))
    assert problems == [("error", "R", 1, "B (Client)", "header.duplicate")]


def test_empty_sheets_and_foreign_sheets():
    _, problems = read(wbk.xlsx({"R": [wbk.ROSTER_HEADER]}))
    assert problems == [("error", "R", 1, None, "sheet.empty")]
    _, problems = read(wbk.xlsx({"Notes": [["just notes"]]}))
    assert [p[-1] for p in problems] == ["sheet.ignored", "header.missing"]
    _, problems = read(wbk.xlsx({"Empty": []}))
    assert problems == [("error", "Empty", None, None, "sheet.empty")]


def test_every_data_sheet_is_read_and_our_own_helper_sheets_are_skipped():
    row = ["A1", "Alpha group", None, date(2026, 1, 5)]
    data = wbk.xlsx({"Instructions": [["Client code", "Team", "what to enter"]],
                     "Group 1": [wbk.ROSTER_HEADER[:4], row], "Group 2": [wbk.ROSTER_HEADER[:4], ["A2", *row[1:]]]})
    rows, problems = read(data)
    assert [(sheet, values[0]) for sheet, _, values in rows] == [("Group 1", "A1"), ("Group 2", "A2")]
    assert problems == []


def test_formulas_are_read_as_their_saved_values():
    data = wbk.sessions([["Alpha group", date(2026, 2, 2), 1, "A000", "Y"]], header=wbk.SESSIONS_HEADER[:5])
    data = wbk.with_cached_formula(data, "C2", "1+2", 3)
    rows, problems = read(data, SESSIONS)
    assert problems == [] and rows[0][2][3] == 3


def test_formulas_a_program_wrote_without_their_results_refuse_the_file(sqlite_world, run_import_sqlite):
    """openpyxl (and programs like it) write formulas without results and ask Excel to calculate on opening; the
    reader then sees a blank, so a required cell was 'required' and an optional one silently kept what is
    recorded, while Excel shows a value. A result saved with the formula (test above) is read as ever."""
    before = table_counts()
    data = wbk.sessions([["Alpha group", date(2026, 2, 2), 1, "A000", "Y"],
                         ["Alpha group", date(2026, 2, 2), "=1+1", "A001", "Y"]], header=wbk.SESSIONS_HEADER[:5])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert [(p.rule, p.message) for p in batch.problems] == [(
        "file.unsafe", "Sheet 'Sessions' has formulas whose results were never calculated (cell C3 is the first): the "
                       "workbook was written by a program, not saved by Excel, so the service cannot see what they "
                       "show. Open it in Excel, save it, and upload it again.")]
    assert batch.status == "rejected" and table_counts() == before


def test_cells_of_1_and_0_read_as_numbers_and_true_and_false_as_themselves():
    """1 and 1.0 are memoised apart from TRUE (equal to them as a key): a module 1 or an Attended 1/0 row read from
    the memos gives what the converters give, and a row holding TRUE still goes through them."""
    header = wbk.SESSIONS_HEADER[:5]
    data = wbk.xlsx({"S": [header, ["Alpha group", date(2026, 2, 9), 1, "A000", 1],
                           ["Alpha group", date(2026, 2, 9), 1, "A001", 0], ["Alpha group", date(2026, 2, 9), 1, "A002", 1],
                           ["Alpha group", date(2026, 2, 9), 1, "A003", True], ["Alpha group", date(2026, 2, 9), True, "A004", 1]]})
    rows, problems = read(data, SESSIONS)
    assert [(row, values[3], values[5]) for _, row, values in rows] == [
        (2, 1, "attended"), (3, 1, "absent"), (4, 1, "attended"), (5, 1, "attended")]
    assert problems == [("error", "S", 6, "C (Module)", "number.invalid")]


def test_formulas_saved_with_placeholder_results_refuse_the_file(sqlite_world, run_import_sqlite):
    """xlsxwriter saves =30+15 with the result 0: the reader took 0 minutes where Excel shows 45."""
    before = table_counts()
    batch = run_import_sqlite(wbk.xlsxwriter_sessions("=30+15"), "sessions", sqlite_world.agency_a)
    assert [(p.rule, p.message) for p in batch.problems] == [(
        "file.unsafe", "Sheet 'Sessions' has formulas whose results were never calculated (cell F3 is the first): the "
                       "workbook was written by a program, not saved by Excel, so the service cannot see what they "
                       "show. Open it in Excel, save it, and upload it again.")]
    assert batch.status == "rejected" and table_counts() == before



def test_day_numbers_of_a_1904_workbook_are_read_from_1904(sqlite_world, run_import_sqlite):
    """A Mac workbook of the 1904 date system counts days from 1 Jan 1904: its day number 44,594 is 3 Feb 2026,
    not 2 Feb 2022 (4 years and a day off). Its date cells were right already (the reader knows the system)."""
    import openpyxl
    book = Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = "Sessions"
    sheet.append(wbk.SESSIONS_HEADER[:5])
    sheet.append(["Alpha group", date(2026, 2, 2), 1, "A000", "Y"])
    sheet.append(["Alpha group", 44594, 1, "A001", "Y"])
    batch = run_import_sqlite(wbk.saved(book), "sessions", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.problems == []
    assert [change.subject for change in batch.changes if change.record == "session"] == [
        "Alpha group 2026-02-03, module 1"]  # the session of 2 Feb is recorded already


def test_rows_read_a_chunk_at_a_time_are_those_read_row_by_row(monkeypatch):
    """A chunk of rows whose every cell the memos answer is converted column by column (imports/reading/memo_chunks.py);
    the records, their Excel rows and the problems are those of reading every row by itself, across chunks
    holding a new value, module 1, TRUE, a date that is not one and a blank row."""
    from imports.reading import memo_chunks, workbook
    body = [["Alpha group", date(2026, 1, 2 + 7 * (i // 16)), 1 + i % 2, f"A{i % 8:03d}", "Y" if i % 3 else "N"]
            for i in range(48)]
    body[19][3], body[22][2], body[29][1], body[34] = "A123", True, "not a date", [None] * 5
    data = wbk.xlsx({"S": [wbk.SESSIONS_HEADER[:5], *body]})
    converted, whole = [], memo_chunks.MemoChunks.__call__
    monkeypatch.setattr(workbook, "CHUNK_ROWS", 4)
    monkeypatch.setattr(memo_chunks.MemoChunks, "__call__",
                        lambda self, chunk: converted.append(whole(self, chunk)) or converted[-1])
    chunked = read(data, SESSIONS)
    assert len(chunked[0]) == 45 and sum(found is not None for found in converted) >= 6  # most chunks, not all
    monkeypatch.setattr(memo_chunks.MemoChunks, "__call__", lambda self, chunk: None)
    assert read(data, SESSIONS) == chunked
    assert [p[2:] for p in chunked[1]] == [(24, "C (Module)", "number.invalid"),
                                           (31, "B (Session date)", "date.invalid")]


FAR_DATE = "-1e15"  # a day number no calendar holds, in a cell formatted as a date: Excel shows ####


def _minutes_as_duration():
    """A session log whose Minutes column is formatted as a duration ([h]:mm), as a clerk formats a length of time."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sessions"
    sheet.append(wbk.SESSIONS_HEADER[:6])
    for code in ("A000", "A001"):
        sheet.append(["Alpha group", date(2026, 2, 2), 1, code, "Y", 45])
        sheet.cell(sheet.max_row, 6).number_format = "[h]:mm"
    return wbk.saved(book)


@pytest.mark.parametrize("kind, data, where", [
    ("roster", lambda: wbk.with_number(wbk.roster([["A010", "Alpha group", None, date(2026, 1, 5), None, None, None]]),
                                       "D2", FAR_DATE), "Row 2 of sheet 'Roster'"),  # among the rows searched for headers
    ("sessions", lambda: wbk.with_number(wbk.sessions([["Alpha group", date(2026, 2, 2), 1, "A000", "Y"]] * 30),
                                         "B25", FAR_DATE), "Row 25 of sheet 'Sessions'"),  # below them
    ("attendance_grid", lambda: wbk.with_number(wbk.grid("Alpha group", [date(2026, 2, 9)], [2], [["A000", "Y"]]),
                                                "B3", FAR_DATE), "Row 3 of sheet 'Grid'"),
    ("sessions", lambda: wbk.with_number(_minutes_as_duration(), "F3", "1e10"), "Row 3 of sheet 'Sessions'"),
])
def test_a_date_no_calendar_holds_refuses_the_file_naming_its_row(sqlite_world, run_import_sqlite, kind, data, where):
    """python-calamine panics handing over a row with a number formatted as a date far outside any calendar (-1e15),
    and its PanicException is a BaseException: it passed the import's `except Exception`, so run() raised (a 500 inline,
    a crashed import child in a worker) and the batch was left checking. A duration ([h]:mm) of 1e10 days raised
    OverflowError instead, which failed the import as an unexpected error. The file is refused naming the row."""
    before = snapshot()
    batch = run_import_sqlite(data(), kind, sqlite_world.agency_a)
    assert batch.status == "rejected"
    [problem] = batch.problems
    assert problem.rule == "file.unreadable" and problem.message.startswith(where)
    assert "formatted as a date, time or duration" in problem.message
    assert snapshot() == before


def test_a_date_no_calendar_holds_in_a_sheet_the_import_ignores_leaves_the_problems_list(sqlite_world, sqlite_client,
                                                                                        sqlite_auth,
                                                                                        run_import_sqlite):
    """A sheet without the kind's header is read for its first rows only; the problems workbook copies every sheet, and
    calamine's panic on row 30 there escaped its fallback to the list of problems alone (the import's run() raised
    after its outcome was stored)."""
    book = Workbook()
    book.active.title = "Roster"
    book.active.append(wbk.ROSTER_HEADER)
    book.active.append(["A010", "Alpha group", None, None])  # Start date missing: a problem to list
    notes = book.create_sheet("Notes")
    notes["A30"] = date(2026, 1, 5)
    data = wbk.with_number(wbk.saved(book), "A30", FAR_DATE, sheet_part="xl/worksheets/sheet2.xml")
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet, p.rule) for p in batch.problems] == [("Roster", "required")]  # Notes' first 20 rows are empty
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    download = sqlite_client.get(f"/imports/{batch.id}/problems.xlsx")
    assert download.status_code == 200
    assert wbk.read_back(download.data)["Import problems"][1][:3] == ["Roster", 2, "D (Start date)"]
