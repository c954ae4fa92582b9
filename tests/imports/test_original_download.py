"""The original of an upload downloads as what it is: an attachment named by its detected type with a safe
name and its real content type, and only when it passed the type check (a program named .xlsx is not served)."""
import io

from openpyxl import Workbook
from sqlalchemy import select

from extensions import db
from imports.models import ImportBatch
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
    # the direction mark and NUL went at upload (imports/reading/upload_name.py): the name is the one the clerk saw
    assert response.headers["Content-Disposition"] == 'attachment; filename="march roster.csv"'


def test_a_file_that_failed_the_type_check_is_not_served(sqlite_client, sqlite_auth, sqlite_world):
    program = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
    response = _download(sqlite_client, sqlite_auth, sqlite_world, "Roster.xlsx", program)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "a Windows program" in page and "not offered for download" in page
    assert b"This program cannot be run" not in response.data


def test_an_upload_is_listed_under_its_name_without_folders_or_invisible_characters(sqlite_app, sqlite_client,
                                                                                    sqlite_auth, sqlite_world):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    sent = "March\u00a0roster\x07\u200b\u202e (final)\t.xlsx"  # copied from an EHR's export dialog
    response = sqlite_auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(_workbook_bytes()), sent)},
                                content_type="multipart/form-data")
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert batch.filename == "March roster (final).xlsx"
    assert "March roster (final).xlsx" in sqlite_client.get(response.headers["Location"]).get_data(as_text=True)
    old_browser = create_batch(sqlite_world.agency_a, "roster", "C:\\My Documents\\roster.xlsx", _workbook_bytes())
    assert old_browser.filename == "roster.xlsx"
    assert create_batch(sqlite_world.agency_a, "roster", "\x00\u200b", _workbook_bytes()).filename == "upload.xlsx"
