"""CSV uploads go through the same import as workbooks: same checks, same messages, same all-or-nothing commit."""
import io
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from imports.reading.csv_workbook import MAX_COLUMNS, open_csv, sheet_name
from imports.reading.workbook import UnreadableWorkbook
from models import Attendance, Participant
from tests.factories import make_agency, make_participant, make_program, make_team
from tests.imports.conftest import snapshot


def csv_bytes(rows, delimiter=",", encoding="utf-8"):
    """Bytes of a CSV as Excel or an EHR writes it: CRLF line ends, fields quoted when they must be."""
    def field(value):
        text = "" if value is None else str(value)
        return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in (delimiter, '"', "\n")) else text
    return "".join(delimiter.join(field(v) for v in row) + "\r\n" for row in rows).encode(encoding)


HEADER = ["Client code", "Team", "Referral date", "Start date", "End date", "End reason", "Format"]


@pytest.mark.parametrize("encoding, delimiter", [("utf-8", ","), ("utf-8-sig", ","), ("utf-8-sig", ";"),
                                                 ("cp1252", ","), ("cp1252", ";"), ("utf-8", "\t"),
                                                 ("utf-16", "\t")])  # utf-16: Excel's "Unicode text"
def test_roster_csv_in_each_encoding_and_delimiter_is_imported(app, world, run_import, encoding, delimiter):
    rows = [HEADER, ["00123", "Alpha group", "2026-01-02", "15/01/2026", None, None, "group"],
            ["A900", "Alpha group", None, "2026-01-15", "2026-06-30", "Déménagé; moved to Zürich", "individual"]]
    batch = run_import(csv_bytes(rows, delimiter, encoding), "roster", world.agency_a, filename="roster.csv")
    assert batch.status == "committed", [(p.rule, p.message) for p in batch.problems]
    assert batch.counts["new"] == 2
    first = db.session.scalar(select(Participant).where(Participant.client_code == "00123"))  # zeros kept
    assert (first.referral_date, first.start_date) == (date(2026, 1, 2), date(2026, 1, 15))
    second = db.session.scalar(select(Participant).where(Participant.client_code == "A900"))
    assert (second.end_date, second.end_reason, second.format) == \
        (date(2026, 6, 30), "Déménagé; moved to Zürich", "individual")


def test_a_csv_excel_saved_from_formatted_date_cells_is_imported(sqlite_app, sqlite_world, sqlite_client,
                                                                  sqlite_auth):
    """Excel writes each date cell as it is shown: d-mmm-yy, Long Date, m/d/yyyy h:mm; EHR exports add a T."""
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    data = csv_bytes([HEADER, ["A100", "Alpha group", "12-Jan-26", "Tuesday, January 13, 2026", None, None, None],
                      ["A101", "Alpha group", "12/31/2025 0:00", "2026-01-13T09:30:00", "15-Mar-26", "Moved", None]])
    form = {"kind": "roster", "file": (io.BytesIO(data), "roster.csv")}
    checked = sqlite_auth.post("/imports/upload", form, content_type="multipart/form-data").headers["Location"]
    page = sqlite_client.get(checked).get_data(as_text=True)
    assert "Ready to import: 2 new" in page
    sqlite_auth.post(checked + "/commit")
    recorded = {p.client_code: (p.referral_date, p.start_date, p.end_date)
                for p in db.session.scalars(select(Participant).where(Participant.client_code.in_(["A100", "A101"])))}
    assert recorded == {"A100": (date(2026, 1, 12), date(2026, 1, 13), None),
                        "A101": (date(2025, 12, 31), date(2026, 1, 13), date(2026, 3, 15))}


def test_a_problem_in_a_csv_names_its_row_and_column_and_nothing_changes(app, world, run_import):
    rows = [["Roster exported 2026-03-01"], HEADER,
            ["A100", "Alpha group", None, "2026-01-12", None, None, None],
            ["A101", "Alpha group", None, "not a date", None, None, None],
            ["A102", "Nowhere group", None, "2026-01-12", None, None, None]]
    before = snapshot()
    batch = run_import(csv_bytes(rows, ";"), "roster", world.agency_a, filename="march roster.csv")
    assert batch.status == "rejected"
    assert [(p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems] == [
        ("march roster", 4, "D (Start date)", "not a date", "date.invalid"),
        ("march roster", 5, "B (Team)", "Nowhere group", "team.unknown")]
    assert snapshot() == before


def test_sessions_csv_is_imported_all_or_nothing(app, world, run_import):
    header = ["Team", "Session date", "Module", "Client code", "Attended", "Minutes", "Topic"]
    rows = [header, ["Alpha group", "2026-02-09", "2", "A000", "Y", "60", "=HYPERLINK(\"http://x\")"],
            ["Alpha group", "2026-02-09", "2", "A001", "N", "60", "=HYPERLINK(\"http://x\")"]]
    batch = run_import(csv_bytes(rows), "sessions", world.agency_a, filename="sessions.csv")
    assert batch.status == "committed", [(p.rule, p.message) for p in batch.problems]
    assert sorted(db.session.scalars(select(Attendance.status))) == ["absent", "attended"]
    before = snapshot()
    rows.append(["Alpha group", "2026-02-16", "3", "Z999", "Y", "60", None])
    rows.append(["Alpha group", "2026-02-16", "3", "A002", "Y", "60", None])
    batch = run_import(csv_bytes(rows), "sessions", world.agency_a, filename="sessions.csv")
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [(4, "D (Client code)", "client.unknown")]
    assert snapshot() == before  # the good new row waits for the bad one


def test_csv_digits_that_lost_their_zeros_are_refused_with_the_known_code(app, run_import):
    agency = make_agency("NUM")
    team = make_team(make_program(agency, "Digits IMR"), "Digits group")
    make_participant(team, "00457")
    db.session.commit()
    rows = [["Client code", "Team", "Start date"], ["457", "Digits group", "2026-01-05"]]
    batch = run_import(csv_bytes(rows), "roster", agency, filename="roster.csv")
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [(2, "A (Client code)", "code.zeros")]
    assert "did you mean 00457?" in batch.problems[0].message


def test_a_csv_named_xlsx_is_read_as_what_it_is(app, world, run_import):
    rows = [["Client code", "Team", "Start date"], ["A100", "Alpha group", "2026-01-12"]]
    batch = run_import(csv_bytes(rows), "roster", world.agency_a, filename="export.xlsx")
    assert batch.status == "committed", [p.message for p in batch.problems]


def test_reader_pads_rows_keeps_formulas_as_text_and_drops_excels_sep_line():
    data = b'sep=;\r\nClient code;Team;Topic\r\nA1;"Alpha; group";=1+2\r\nA2\r\n"A3";"two\r\nlines"\r\n\r\n\r\n'
    workbook = open_csv(data, "Export 2026.csv")
    assert [m.name for m in workbook.sheets_metadata] == ["Export 2026"]
    sheet = workbook.get_sheet_by_index(0)
    assert (sheet.start, sheet.end) == ((0, 0), (3, 2))  # as calamine: last row and column, from 0
    assert list(sheet.iter_rows()) == [["Client code", "Team", "Topic"], ["A1", "Alpha; group", "=1+2"],
                                       ["A2", "", ""], ["A3", "two\r\nlines", ""]]
    assert (workbook.encoding, workbook.delimiter) == ("UTF-8", "semicolon")


@pytest.mark.parametrize("data, words", [
    (b"a,b\n" + b"\x81\x8d\x00\x01" * 10, "not text"),
    ((",".join(["x"] * (MAX_COLUMNS + 1)) + "\n").encode(), "columns"),
    (b"a,b\n" * 300_000, "larger than the 1 MB"),
])
def test_unreadable_csv_says_why(data, words):
    with pytest.raises(UnreadableWorkbook) as refused:
        open_csv(data, "x.csv", max_bytes=1024 * 1024)
    assert words in str(refused.value)


def test_sheet_names_come_from_the_file_name():
    assert (sheet_name("C:/exports/roster.csv"), sheet_name(""), sheet_name("x" * 40 + ".csv")) == \
        ("roster", "CSV", "x" * 31)


@pytest.mark.parametrize("data, words", [
    (b"Dear clerk,\nthe codes are attached.\nThanks\n", "plain text that is not CSV"),
    (b"%PDF-1.7\n1 0 obj\n", "a PDF document"),
])
def test_other_files_are_refused_naming_what_they_are(sqlite_world, run_import_sqlite, data, words):
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a, filename="roster.csv")
    assert batch.status == "rejected"
    assert [p.rule for p in batch.problems] == ["file.unsafe"]
    assert words in batch.problems[0].message and ".csv" in batch.problems[0].message


def test_a_csv_uploaded_through_the_page_shows_its_problem_in_place(sqlite_app, sqlite_world, sqlite_client,
                                                                    sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    data = csv_bytes([HEADER, ["A100", "Alpha group", None, "31/02/2026", None, None, None]], ";", "cp1252")
    form = {"kind": "roster", "file": (io.BytesIO(data), "roster.csv")}
    response = sqlite_auth.post("/imports/upload", form, content_type="multipart/form-data")
    page = sqlite_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not a real date" in page and "D (Start date)" in page
    assert db.session.scalar(select(Participant).where(Participant.client_code == "A100")) is None


def test_a_csv_upload_is_downloaded_back_as_csv(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    data = "Client code,Team,Start date\r\nA100,Alpha group,2026-01-12\r\n".encode()
    response = sqlite_auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(data), "roster.csv")},
                                content_type="multipart/form-data")
    batch_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    original = sqlite_client.get(f"/imports/{batch_id}/original")
    assert original.mimetype == "text/csv" and original.data == data
