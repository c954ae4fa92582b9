"""Files as agencies' clerks send them: what each ends as, through the page, the CLI and the import itself."""
import io
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from imports.kinds.codes import CodeBook
from imports.models import ImportBatch
from imports.reading.cell_error import CellError
from models import Participant
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

START = date(2026, 3, 2)


def problems(batch):
    return [(p.severity, p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems]


@pytest.mark.parametrize("code", ["John Smith", "Smith, John", "maria garcia-lopez", "SMITH, J.", "O'Neil Anne",
                                  "José Álvarez"])
def test_a_new_client_code_that_is_a_persons_name_is_refused(code):
    with pytest.raises(CellError) as refused:
        CodeBook(["A000"]).text(code)
    assert refused.value.rule == "code.name" and "never names" in refused.value.message


@pytest.mark.parametrize("code", ["A 001", "AB-123", "0457", "ACT 12 B", "JS", "Blue", "X Y", "AB CD"])
def test_codes_with_digits_or_a_single_word_are_codes(code):
    assert CodeBook(["A000"]).text(code) == code


def test_a_known_code_is_the_agencys_own_whatever_it_looks_like():
    assert CodeBook(["Green Heron"]).text("Green Heron") == "Green Heron"


def test_a_roster_with_a_name_in_the_code_column_changes_nothing_and_says_where(app, world, client, auth):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["clerk_a"])
    before = snapshot()
    data = wbk.roster([["A010", "Alpha group", None, START, None, None, None],
                       ["Maria Lopez", "Alpha group", None, START, None, None, None]])
    response = auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(data), "roster.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert batch.status == "rejected"
    assert problems(batch) == [("error", "Roster", 3, "A (Client code)", "Maria Lopez", "code.name")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a person&#39;s name" in page or "a person's name" in page
    assert snapshot() == before
    assert db.session.scalar(select(Participant).where(Participant.client_code == "Maria Lopez")) is None


# --- N/A, none and dashes: what clerks write in a cell with nothing to record

def test_n_a_and_dashes_in_optional_cells_keep_what_is_recorded(sqlite_world, run_import_sqlite):
    ended = db.session.scalar(select(Participant).where(Participant.client_code == "A001"))
    ended.end_date, ended.end_reason = date(2026, 6, 30), "Moved away"
    db.session.commit()
    before = snapshot()
    data = wbk.roster([["A000", "Alpha group", "N/A", date(2026, 1, 5), "n/a", "N/A", "N/A"],
                       ["A001", "Alpha group", "-", date(2026, 1, 5), "—", "--", "None"],
                       ["A010", "Alpha group", "NULL", START, "-", "n/a", "-"]])
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["unchanged"]) == (1, 0, 2)
    new = db.session.scalar(select(Participant).where(Participant.client_code == "A010"))
    assert (new.referral_date, new.end_date, new.end_reason, new.format) == (None, None, None, "group")
    assert {k: v for k, v in snapshot().items() if k != "participant"} == \
        {k: v for k, v in before.items() if k != "participant"}
    db.session.refresh(ended)
    assert (ended.end_date, ended.end_reason) == (date(2026, 6, 30), "Moved away")


def test_n_a_as_a_facilitator_adds_no_facilitator_named_n_a(sqlite_world, run_import_sqlite):
    from models import Practitioner, Session
    data = wbk.sessions([["Alpha group", START, 2, "A000", "Y", "N/A", "-", "N/A"],
                         ["Alpha group", START, 2, "A001", "N", "N/A", "-", "N/A"]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert db.session.scalars(select(Practitioner.name)).all() == []
    session = db.session.scalar(select(Session).where(Session.session_date == START))
    assert (session.minutes, session.topic, session.practitioner_id) == (None, None, None)


def test_n_a_where_a_value_is_required_is_refused_naming_the_cell(sqlite_world, run_import_sqlite):
    before = snapshot()
    data = wbk.roster([["N/A", "Alpha group", None, START, None, None, None],
                       ["A010", "-", None, "n/a", None, None, None]])
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert problems(batch) == [("error", "Roster", 2, "A (Client code)", "N/A", "cell.none"),
                               ("error", "Roster", 3, "B (Team)", "-", "cell.none"),
                               ("error", "Roster", 3, "D (Start date)", "n/a", "cell.none")]
    assert "Client code is required" in batch.problems[0].message
    assert snapshot() == before


def test_na_in_a_rating_is_still_not_applicable():
    from imports.kinds.declarations import FIDELITY_HISTORY
    from imports.reading.cells import converter
    assert converter(FIDELITY_HISTORY.column("item_13"))("NA") == "NA"


def test_dashes_in_a_grid_record_nothing_even_in_a_cancelled_column(sqlite_world, run_import_sqlite):
    data = wbk.grid("Alpha group", [START, date(2026, 3, 9)], [2, 3],
                    [["A000", "Y", "Cancelled"], ["A001", "-", "-"], ["A002", "N/A", "n/a"]])
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert batch.counts["new"] == 1  # A000 on 2 March; the dashes and N/A record nothing
    assert [p.rule for p in batch.problems] == ["session.cancelled"]



def test_no_word_meaning_nothing_is_a_value_some_column_accepts():
    from imports.kinds.declarations import ATTENDED_MARKS, CANCELLED_MARKS, KINDS
    from imports.reading.cells import NOTHING, normalise
    spellings = [*CANCELLED_MARKS, *(s for marks in ATTENDED_MARKS.values() for s in marks),
                 *(s for kind in KINDS.values() for c in kind.columns for values in c.aliases.values() for s in values)]
    assert not NOTHING & {normalise(s) for s in spellings}

# --- sheets hidden in Excel are not read: the preview says so

def _with_hidden_sheet(data, name, rows, state="hidden"):
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data))
    sheet = book.create_sheet(name)
    for row in rows:
        sheet.append(row)
    sheet.sheet_state = state
    return wbk.saved(book)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_named_in_the_preview_as_not_imported(sqlite_world, run_import_sqlite, state):
    data = _with_hidden_sheet(wbk.roster([["A010", "Alpha group", None, START, None, None, None]]), "Team B (old)",
                              [wbk.ROSTER_HEADER, ["A012", "Alpha group", None, START, None, None, None]], state)
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 1
    assert problems(batch) == [("warning", "Team B (old)", None, None, None, "sheet.hidden")]
    assert "not imported" in batch.problems[0].message and "Unhide" in batch.problems[0].message


def test_a_grid_says_so_too_and_the_templates_own_lists_sheet_is_not_named(sqlite_world, run_import_sqlite):
    from imports.showing.xlsx_templates import LISTS
    data = wbk.grid("Alpha group", [START], [2], [["A000", "Y"]])
    data = _with_hidden_sheet(_with_hidden_sheet(data, LISTS, [["Y"], ["N"]]), "Grid 2", [["Team", "Alpha group"]])
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked", problems(batch)
    assert problems(batch) == [("warning", "Grid 2", None, None, None, "sheet.hidden")]


def test_the_cli_dry_run_says_the_same_for_a_file_named_as_clerks_name_them(sqlite_world, sqlite_app, tmp_path):
    path = tmp_path / "Roster März 2026 (final) ☃.xlsx"
    rows = [["A010", "Alpha group", "N/A", START, "-", None, None], ["Smith, John", "Alpha group", None, START, None,
                                                                        None, None]]
    path.write_bytes(_with_hidden_sheet(wbk.roster(rows), "Old", [wbk.ROSTER_HEADER]))
    before = snapshot()
    args = ["import", str(path), "--kind", "roster", "--agency", "AAA", "--dry-run", "--quiet"]
    result = sqlite_app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1, result.output
    assert "file Roster März 2026 (final) ☃.xlsx" in result.output
    assert "warning: sheet 'Old': [sheet.hidden]" in result.output
    assert "error: sheet 'Roster', row 3, column A (Client code): value 'Smith, John' [code.name]" in result.output
    path.write_bytes(_with_hidden_sheet(wbk.roster(rows[:1]), "Old", [wbk.ROSTER_HEADER]))
    result = sqlite_app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0 and "1 new" in result.output and "checked:" in result.output, result.output
    assert snapshot() == before


@pytest.mark.parametrize("kind, header, row, said", [
    ("roster", ["Client code", "Team", "Start date", "Admission date"], ["A010", "Alpha group", START, START],
     "Column C ('Start date') and column D ('Admission date') are both read as Start date"),
    ("sessions", ["Team", "Date", "Session date", "Module", "Client code", "Attended"],
     ["Alpha group", START, START, 2, "A000", "Y"],
     "Column B ('Date') and column C ('Session date') are both read as Session date")])
def test_two_columns_meaning_the_same_field_are_both_named(sqlite_world, run_import_sqlite, kind, header, row, said):
    batch = run_import_sqlite(wbk.xlsx({"Sheet": [header, row]}), kind, sqlite_world.agency_a, commit=False)
    assert batch.status == "rejected"
    assert [p.rule for p in batch.problems] == ["header.duplicate"]
    assert said in batch.problems[0].message and "keep one" in batch.problems[0].message


def test_thousands_of_hidden_sheets_are_counted_not_named_one_by_one(sqlite_world, run_import_sqlite):
    # 2,000 more hidden sheets in the workbook part, all pointing at the roster's sheet. (The problems workbook copies
    # each, and XlsxWriter checks each new sheet's name against all before it: 5,000 took 40 s of a suite run.)
    def listed(xml):
        more = "".join(f'<sheet name="H{i}" sheetId="{i + 10}" state="hidden" r:id="rId1"/>' for i in range(2000))
        return xml.replace(b"</sheets>", more.encode() + b"</sheets>")
    data = wbk.replace_part(wbk.roster([["A010", "Alpha group", None, START, None, None, None]]), "xl/workbook.xml",
                            listed)
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 1
    assert [p.rule for p in batch.problems] == ["sheet.hidden"] * 11
    assert batch.problems[-1].message.startswith("1,990 more sheets are hidden")


@pytest.mark.parametrize("name, stem", [("\u202exslx.roster.xlsx", "xslx-roster"), ("../../March roster.xlsx",
                                                                                    "March roster")])
def test_every_download_of_an_import_is_named_safely(sqlite_app, sqlite_world, sqlite_client, sqlite_auth, name, stem):
    """A right-to-left override in an uploaded file's name would show a download's name reversed (the old
    'harmless.xlsx' spoof); the original and the problems workbook were named safely, the preview was not."""
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    data = wbk.roster([["A010", "Alpha group", None, START, None, None, None]])
    sqlite_auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    for path, suffix in (("original", ".xlsx"), ("problems.xlsx", "-problems.xlsx"),
                         ("preview.xlsx", f"-preview-{batch.id}.xlsx")):
        response = sqlite_client.get(f"/imports/{batch.id}/{path}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] in (f"attachment; filename={stem}{suffix}",
                                                           f'attachment; filename="{stem}{suffix}"')
