"""The original of an upload downloads as what it is: an attachment named by its detected type with a safe
name and its real content type, and only when it passed the type check (a program named .xlsx is not served)."""
import io

from openpyxl import Workbook

from imports.operations import create_batch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook_bytes():
    book = Workbook()
    book.active.append(["Client ID", "Start date"])
    book.active.append(["A100", "2026-01-05"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _download(sqlite_client, sqlite_auth, sqlite_world, filename, data):
    batch = create_batch(sqlite_world.agency_a, "roster", filename, data)
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    return sqlite_client.get(f"/imports/{batch.id}/original")


def test_a_workbook_named_exe_downloads_as_xlsx(sqlite_client, sqlite_auth, sqlite_world):
    data = _workbook_bytes()
    response = _download(sqlite_client, sqlite_auth, sqlite_world, "Roster-fix.exe", data)
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == 'attachment; filename=Roster-fix.xlsx'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_csv_keeps_its_name_with_the_csv_extension_and_odd_characters_dropped(sqlite_client, sqlite_auth,
                                                                                 sqlite_world):
    data = b"Client ID,Start date\nA100,2026-01-05\n"
    response = _download(sqlite_client, sqlite_auth, sqlite_world, '..\\"march\u202e\x00 roster".xlsx', data)
    assert response.status_code == 200 and response.data == data and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=march-roster.csv"


def test_a_file_that_failed_the_type_check_is_not_served(sqlite_client, sqlite_auth, sqlite_world):
    program = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
    response = _download(sqlite_client, sqlite_auth, sqlite_world, "Roster.xlsx", program)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "a Windows program" in page and "not offered for download" in page
    assert b"This program cannot be run" not in response.data
