"""The problems workbook: the upload with its problems beside the rows, written streaming, stored by the run."""
import io
import resource
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import select, update

from extensions import db
from imports.models import ImportBatch, ImportFile
from imports.showing import problems_workbook
from tests import hostile_files as hostile
from tests.imports import other_programs, workbooks as wbk

EVIL = "-2+3+cmd|' /C calc'!A0"  # text a spreadsheet would run as a formula once edited


def _opened(data):
    return load_workbook(io.BytesIO(data))


def test_the_run_stores_it_and_the_download_serves_the_stored_one(sqlite_app, sqlite_world, run_import_sqlite):
    bad = [["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, EVIL, None]]
    batch = run_import_sqlite(wbk.sessions(bad), "sessions", sqlite_world.agency_a)
    assert batch.status == "rejected"
    stored = db.session.scalar(select(ImportFile.problems_file).where(ImportFile.batch_id == batch.id))
    sheet = _opened(stored)["Sessions"]
    assert sheet["I1"].value == "Problems" and sheet["I2"].value.startswith("D (Client code): No participant")
    assert sheet["D2"].fill.fgColor.rgb.endswith("F8D7DA")
    assert sheet["G2"].value == "'" + EVIL  # the upload's own formula-like text, neutralised
    assert problems_workbook.problems_workbook(batch) == stored
    db.session.execute(update(ImportFile).where(ImportFile.batch_id == batch.id).values(problems_file=None))
    db.session.commit()  # an older batch: built on download, the same content
    rebuilt = _opened(problems_workbook.problems_workbook(batch))
    assert [[c.value for c in r] for r in rebuilt["Sessions"].iter_rows()] == \
        [[c.value for c in r] for r in sheet.iter_rows()]


def test_an_upload_whose_parts_lie_elsewhere_gets_its_rows_back_too(sqlite_app, sqlite_world, run_import_sqlite):
    """A workbook whose workbook, styles and shared strings parts are not where Excel puts them is read from a copy
    with them there (spreadsheets/canonical_parts.py), for its problems workbook as for its check."""
    bad = [["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, None, None]]
    data = other_programs.workbook_elsewhere(other_programs.strings_elsewhere(other_programs.styles_elsewhere(
        other_programs.excel({"Sessions": [wbk.SESSIONS_HEADER, *bad]}))))
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "rejected"
    sheet = _opened(problems_workbook.problems_workbook(batch))["Sessions"]
    assert sheet["D2"].value == "Z999" and sheet["I2"].value.startswith("D (Client code): No participant")


def test_a_sheet_and_styles_under_other_names_get_the_right_row_marked(sqlite_app, sqlite_world, sqlite_auth,
                                                                       sqlite_client):
    """The sheet (xl/sheets/data.xml) and the styles (xl/styles1.xml) are where the relationships say, and an
    unrelated sheet lies where Excel would put the first: the download marks the row the import found wrong."""
    good = ["Alpha group", date(2026, 2, 9), 2, "A000", "Y", 60, None, None]
    bad = ["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, None, None]
    decoy = wbk.parts(other_programs.excel({"Sessions": [wbk.SESSIONS_HEADER, bad, good]}))["xl/worksheets/sheet1.xml"]
    data = other_programs.sheet_elsewhere(other_programs.styles_elsewhere(
        other_programs.excel({"Sessions": [wbk.SESSIONS_HEADER, good, bad]})), decoy=decoy)
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    sqlite_auth.post("/imports/upload", {"kind": "sessions", "file": (io.BytesIO(data), "sessions.xlsx")},
                     content_type="multipart/form-data")
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert batch.status == "rejected"
    for stored in (True, False):  # the one the run stored, then one built on download (an older batch)
        if not stored:
            db.session.execute(update(ImportFile).where(ImportFile.batch_id == batch.id).values(problems_file=None))
            db.session.commit()
        download = sqlite_client.get(f"/imports/{batch.id}/problems.xlsx")
        assert download.status_code == 200
        sheet = _opened(download.data)["Sessions"]
        assert [sheet["D2"].value, sheet["D3"].value] == ["A000", "Z999"]
        assert sheet["I2"].value is None and sheet["I3"].value.startswith("D (Client code): No participant")
        assert sheet["D3"].fill.fgColor.rgb.endswith("F8D7DA") and not sheet["D2"].fill.fgColor.rgb.endswith("F8D7DA")
        assert sheet["B3"].value == datetime(2026, 2, 9)  # a date, read with the styles the relationships name


def test_a_copy_that_fails_unforeseen_still_leaves_the_list(sqlite_app, sqlite_world, run_import_sqlite,
                                                            monkeypatch):
    bad = [["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, None, None]]
    batch = run_import_sqlite(wbk.sessions(bad), "sessions", sqlite_world.agency_a)

    def unforeseen(path):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    monkeypatch.setattr(problems_workbook, "canonical_path", unforeseen)
    listed = _opened(problems_workbook.build(batch.id))
    assert listed.sheetnames == ["Import problems"] and "No participant" in str(listed["Import problems"]["G2"].value)


def test_a_clean_import_stores_nothing(sqlite_app, sqlite_world, run_import_sqlite):
    good = [["Alpha group", date(2026, 2, 9), 2, "A000", "Y", 60, None, None]]
    batch = run_import_sqlite(wbk.sessions(good), "sessions", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked"
    assert db.session.scalar(select(ImportFile.problems_file).where(ImportFile.batch_id == batch.id)) is None


def test_characters_excel_forbids_are_escaped_not_a_500(sqlite_app, sqlite_world, sqlite_auth, sqlite_client):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    # a topic with control characters (as pasted from another system) and an unknown client code
    data = hostile.workbook({"Sessions": [
        '<row r="1">' + "".join(hostile.cell(f"{chr(65 + j)}1", h) for j, h in enumerate(wbk.SESSIONS_HEADER)) +
        "</row>",
        '<row r="2">' + hostile.cell("A2", "Alpha group") + '<c r="B2"><v>46062</v></c>' + hostile.cell("C2", 2) +
        hostile.cell("D2", "Z_x0001_999") + hostile.cell("E2", "Y") + hostile.cell("G2", "bell_x0007_ and_x001F_") +
        "</row>",
    ]})
    form = {"kind": "sessions", "file": (io.BytesIO(data), "control.xlsx")}
    page = sqlite_auth.post("/imports/upload", form, content_type="multipart/form-data")
    batch = db.session.scalar(select(ImportBatch))
    assert batch.status == "rejected", page
    response = sqlite_client.get(f"/imports/{batch.id}/problems.xlsx")
    assert response.status_code == 200
    marked = _opened(response.data)
    assert marked["Sessions"]["G2"].value == "bell_x0007_ and_x001F_"
    assert any("Z_x0001_999" in str(c.value) for c in marked["Import problems"][2])


def test_many_rows_stream_through_with_their_notes(sqlite_app, sqlite_world, run_import_sqlite):
    rows = [["Alpha group", date(2026, 2, 9), 2, f"Q{i:04d}", "Y", 60, f"+topic {i}", None] for i in range(3000)]
    batch = run_import_sqlite(wbk.sessions(rows), "sessions", sqlite_world.agency_a)
    book = _opened(problems_workbook.build(batch.id))  # built and read once: both sheets come from one build
    values = list(book["Sessions"].iter_rows(values_only=True))
    assert len(values) == 3001
    assert values[2999][3] == "Q2998" and values[2999][6] == "'+topic 2998"
    assert values[2999][8].startswith("D (Client code): No participant with client code 'Q2998'")
    assert len(list(book["Import problems"].iter_rows())) == 3001


def test_an_earlier_rounds_notes_are_replaced(sqlite_app, sqlite_world, run_import_sqlite):
    bad = [["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, None, None],
           ["Alpha group", date(2026, 2, 9), 2, "A000", "Y", 60, None, None]]
    first = run_import_sqlite(wbk.sessions(bad), "sessions", sqlite_world.agency_a)
    marked = _opened(problems_workbook.build(first.id))
    marked["Sessions"]["D2"] = "A001"  # fixed; row 3 gets a new problem instead
    marked["Sessions"]["C3"] = 12
    fixed = io.BytesIO()
    marked.save(fixed)
    second = run_import_sqlite(fixed.getvalue(), "sessions", sqlite_world.agency_a)
    again = _opened(problems_workbook.build(second.id))
    sheet = again["Sessions"]
    assert [c.value for c in sheet[1]][8] == "Problems" and sheet.max_column == 9
    assert sheet["I2"].value is None and sheet["I3"].value.startswith("C (Module)")
    assert again.sheetnames == ["Sessions", "Import problems"]


def test_a_refused_file_gets_the_list_alone(sqlite_app, sqlite_world, run_import_sqlite):
    batch = run_import_sqlite(hostile.far_cell(), "roster", sqlite_world.agency_a)
    assert batch.status == "rejected"
    marked = _opened(problems_workbook.build(batch.id))
    assert marked.sheetnames == ["Import problems"]
    assert "Z1048576" in marked["Import problems"]["G2"].value


def test_building_for_a_refused_far_cell_file_stays_small(sqlite_app, sqlite_world, run_import_sqlite):
    """A 2 KB file claiming a cell at Z1048576 once took 1.6 GiB to annotate; the list alone is tiny."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batch = run_import_sqlite(hostile.far_cell(), "roster", sqlite_world.agency_a)
    problems_workbook.build(batch.id)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB


def test_the_header_rows_own_problems_follow_the_column_title(sqlite_app, sqlite_world, run_import_sqlite):
    header = [h for h in wbk.SESSIONS_HEADER if h != "Client code"]
    batch = run_import_sqlite(wbk.sessions([["Alpha group", date(2026, 2, 9), 2, "Y", 60, None, None]],
                                           header=header), "sessions", sqlite_world.agency_a)
    sheet = _opened(problems_workbook.build(batch.id))["Sessions"]
    assert sheet["H1"].value.startswith("Problems; The required column 'Client code' is missing")


def test_a_new_run_of_the_batch_drops_the_old_workbook(sqlite_app, sqlite_world, run_import_sqlite):
    from imports import operations
    from models import Participant
    bad = [["Alpha group", date(2026, 2, 9), 2, "N001", "Y", 60, None, None]]
    batch = run_import_sqlite(wbk.sessions(bad), "sessions", sqlite_world.agency_a, commit=False)
    assert batch.status == "rejected" and batch.files.problems_file is not None
    known = db.session.scalar(select(Participant).where(Participant.client_code == "A000"))
    db.session.add(Participant(agency_id=known.agency_id, team_id=known.team_id, client_code="N001",
                               start_date=known.start_date, format=known.format))
    db.session.commit()  # the clerk's colleague adds the participant; the same file is checked again
    again = operations.run(batch.id)
    assert again.status == "checked"
    assert db.session.scalar(select(ImportFile.problems_file).where(ImportFile.batch_id == batch.id)) is None


def _with_hidden_sheet(rows):
    """A sessions workbook with a hidden sheet of lists after the data, as templates often have."""
    wb = load_workbook(io.BytesIO(wbk.sessions(rows)))
    lists = wb.create_sheet("Lists")
    lists.append(["Y", "N"])
    lists.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_shows_the_problems_styled_and_keeps_hidden_sheets_hidden(sqlite_app, sqlite_world, run_import_sqlite):
    bad = [["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, "fine", None]]
    batch = run_import_sqlite(_with_hidden_sheet(bad), "sessions", sqlite_world.agency_a)
    marked = _opened(problems_workbook.build(batch.id))
    assert marked.sheetnames == ["Sessions", "Lists", "Import problems"]
    sessions, listed = marked["Sessions"], marked["Import problems"]
    assert sessions["I1"].font.b and sessions["I2"].font.color.rgb.endswith("A61B1B")
    assert sessions["D2"].fill.fgColor.rgb.endswith("F8D7DA") and sessions["C2"].fill.fill_type is None
    assert sessions["B2"].is_date and sessions["B2"].value == datetime(2026, 2, 9)
    assert marked["Lists"].sheet_state == "hidden" and marked.active.title == "Sessions"
    assert listed["A1"].font.b and listed.freeze_panes == "A2" and listed.column_dimensions["G"].width > 80
    assert [c.value for c in listed[2]][:5] == ["Sessions", 2, "D (Client code)", "Z999", "client.unknown"]


def test_a_large_upload_is_read_streaming_and_written_the_same(sqlite_app, sqlite_world, run_import_sqlite,
                                                                  monkeypatch):
    """Past CALAMINE_MAX_CELLS the upload is streamed by openpyxl; the workbook must not change with the reader."""
    rows = [["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, f"topic {i}", None] for i in range(40)]
    data = hostile.workbook({"Sessions": [
        '<row r="1">' + "".join(hostile.cell(f"{chr(65 + j)}1", h) for j, h in enumerate(wbk.SESSIONS_HEADER)) +
        "</row>",
        '<row r="2">' + hostile.cell("A2", "Alpha group") + '<c r="B2"><v>46062</v></c>' + hostile.cell("C2", 2) +
        hostile.cell("D2", "Z_x0001_999") + hostile.cell("E2", "Y") + hostile.cell("G2", "bell_x0007_ and_x001F_") +
        "</row>"]})
    for upload in (data, _with_hidden_sheet(rows)):
        batch = run_import_sqlite(upload, "sessions", sqlite_world.agency_a)
        by_calamine = problems_workbook.build(batch.id)
        streamed = []
        monkeypatch.setattr(problems_workbook, "CALAMINE_MAX_CELLS", 1)
        real = problems_workbook._openpyxl_sheets
        monkeypatch.setattr(problems_workbook, "_openpyxl_sheets", lambda *a: streamed.append(a) or real(*a))
        by_openpyxl = problems_workbook.build(batch.id)
        monkeypatch.undo()
        assert streamed, "the openpyxl path was not taken"
        assert wbk.read_back(by_openpyxl) == wbk.read_back(by_calamine)
        assert _opened(by_openpyxl)["Sessions"]["D2"].fill.fgColor.rgb.endswith("F8D7DA")
    assert _opened(by_openpyxl)["Lists"].sheet_state == "hidden"
    assert len(wbk.read_back(by_openpyxl)["Sessions"]) == 41


def test_a_sheet_title_excel_would_refuse_is_written_as_excel_allows(sqlite_app, sqlite_world, run_import_sqlite):
    """A program-made workbook may have a sheet titled past Excel's 31 characters or with a '/': the problems
    workbook's writer refused it, and the clerk got no problems workbook at all."""
    title = "Sessions/February 2026 (front desk, all teams)"
    data = wbk.sessions([["Alpha group", "not a date", 2, "A000", "Y", 60, None, None]])
    data = wbk.replace_part(data, "xl/workbook.xml", lambda xml: xml.replace(b'name="Sessions"',
                                                                             f'name="{title}"'.encode()))
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "rejected" and [p.sheet for p in batch.problems] == [title]
    book = _opened(problems_workbook.problems_workbook(batch))
    assert book.sheetnames == ["Sessions_February 2026 (front d", "Import problems"]
    assert list(book["Import problems"].iter_rows(values_only=True))[1][0] == title


def test_an_earlier_list_titled_in_other_case_is_replaced_not_a_lost_copy(sqlite_app, sqlite_world,
                                                                        run_import_sqlite, caplog):
    """The reader skips an earlier round's list whatever the case of its title ('import PROBLEMS', as a clerk or a
    program retitled it); the copy compared the title exactly, copied the sheet, and the new list's sheet then
    clashed with it in the writer (titles are unique in any case): the copy was lost and only the list was left."""
    book = _opened(problems_workbook.build(run_import_sqlite(
        wbk.sessions([["Alpha group", date(2026, 2, 9), 2, "Z999", "Y", 60, None, None]]), "sessions",
        sqlite_world.agency_a).id))
    listed = book["Import problems"]
    listed.title = "renamed"  # openpyxl would number a title that differs from the sheet's own in case only
    listed.title = "import PROBLEMS"
    retitled = io.BytesIO()
    book.save(retitled)
    batch = run_import_sqlite(retitled.getvalue(), "sessions", sqlite_world.agency_a)
    again = _opened(problems_workbook.problems_workbook(batch))
    assert again.sheetnames == ["Sessions", "Import problems"]
    assert again["Sessions"]["I2"].value.startswith("D (Client code): No participant")
    assert "could not be copied" not in caplog.text
