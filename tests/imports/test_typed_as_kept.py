"""Values as clerks type and EHRs export them: lengths as times, modules with their name, marks and numbers
with invisible characters, quotes or full-width digits, dates as day numbers in text. Each ends read as meant,
or refused naming the cell and what to write instead."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import Attendance, Participant, Session
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

DAY = date(2026, 3, 2)


def problems(batch):
    return [(p.severity, p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems]


def _sessions_of(team):
    return [(s.session_date, s.module, s.minutes, s.topic) for s in db.session.scalars(
        select(Session).where(Session.team_id == team.id, Session.session_date != date(2026, 2, 2))
        .order_by(Session.session_date))]


def test_a_length_typed_as_a_time_is_read_as_hours_and_minutes(sqlite_world, run_import_sqlite):
    data = wbk.sessions([["Alpha group", DAY, 3, "A000", "Y", time(1, 0), None, None],  # Excel's 1:00
                         ["Alpha group", DAY + timedelta(days=7), 4, "A000", "Y", timedelta(minutes=45), None, None],
                         ["Alpha group", DAY + timedelta(days=14), 5, "A000", "Y", "1:30", None, None],  # a CSV's
                         ["Alpha group", DAY + timedelta(days=21), 6, "A000", "Y", "50 min", None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert [(m, minutes) for _, m, minutes, _ in _sessions_of(sqlite_world.team_a)] == \
        [(3, 60), (4, 45), (5, 90), (6, 50)]


@pytest.mark.parametrize("raw, said", [
    (0.25, "format the cell as a time (h:mm)"),  # a fraction of a day shown as a number: 6 hours, or a quarter?
    ("45:00", "'45:00' read as hours:minutes"),  # 45 hours as Excel reads it: mm:ss was meant, not said
    (time(0, 45, 30), "has seconds")])
def test_a_length_that_is_not_plainly_minutes_is_refused_naming_the_cell(sqlite_world, run_import_sqlite, raw, said):
    before = snapshot()
    data = wbk.sessions([["Alpha group", DAY, 3, "A000", "Y", raw, None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "rejected"
    [problem] = batch.problems
    assert (problem.sheet, problem.sheet_row, problem.sheet_column) == ("Sessions", 2, "F (Minutes)")
    assert said in problem.message
    assert snapshot() == before


def test_a_module_written_with_its_name_is_its_number(sqlite_world, run_import_sqlite):
    data = wbk.sessions([["Alpha group", DAY, "M3", "A000", "Y", 60, None, None],
                         ["Alpha group", DAY + timedelta(days=7), "Mod. 4", "A000", "Y", 60, None, None],
                         ["Alpha group", DAY + timedelta(days=14), "Module 5 - Using medication", "A000", "Y", 60,
                          None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert [m for _, m, _, _ in _sessions_of(sqlite_world.team_a)] == [3, 4, 5]


@pytest.mark.parametrize("module", ["M12", "MM3", "3a"])
def test_a_module_that_is_not_one_of_the_eleven_is_refused(sqlite_world, run_import_sqlite, module):
    data = wbk.sessions([["Alpha group", DAY, module, "A000", "Y", 60, None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet_row, p.sheet_column, p.value) for p in batch.problems] == [(2, "C (Module)", module)]


def test_invisible_characters_quotes_and_full_width_forms_are_read_as_what_the_clerk_sees(sqlite_world,
                                                                                        run_import_sqlite):
    zw, nbsp = "\u200b", "\u00a0"
    data = wbk.sessions([[f"Alpha group{nbsp}", f"{zw}2026-03-02\t", "'3", f"{zw}A000", "\u201cY\u201d", "\uff16\uff10",
                          f"Stress{zw}", None],
                         ["Alpha group", "'2026-03-02", "\uff13", "'A001", "\uff59\uff45\uff53", f"60{nbsp}", None,
                          None],
                         ["Alpha group", DAY, 3, f"A002{zw}\t", "'x", "'60", None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert _sessions_of(sqlite_world.team_a) == [(DAY, 3, 60, "Stress")]
    attended = db.session.execute(select(Participant.client_code, Attendance.status)
                                  .join(Attendance, Attendance.participant_id == Participant.id)
                                  .order_by(Participant.client_code)).all()
    assert [tuple(r) for r in attended] == [("A000", "attended"), ("A001", "attended"), ("A002", "attended")]


def test_a_cell_of_only_invisible_characters_is_blank_and_n_a_beside_one_says_none(sqlite_world, run_import_sqlite):
    zw = "\u200b"  # a zero-width space pasted from a web page: the cell looks empty, or says N/A, in Excel
    data = wbk.sessions([["Alpha group", DAY, 3, "A000", "Y", zw, zw, None],
                         ["Alpha group", DAY + timedelta(days=7), 4, "A000", "Y", f"N/A{zw}", f"{zw}n/a ", None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert _sessions_of(sqlite_world.team_a) == [(DAY, 3, None, None), (DAY + timedelta(days=7), 4, None, None)]


def test_n_a_beside_an_invisible_character_in_a_required_column_is_refused_as_saying_none(sqlite_world,
                                                                                         run_import_sqlite):
    data = wbk.sessions([["Alpha group", "N/A\u200b", 3, "A000", "Y", 60, None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert problems(batch) == [("error", "Sessions", 2, "B (Session date)", "N/A\u200b", "cell.none")]


def test_a_code_with_an_invisible_character_inside_is_still_refused(sqlite_world, run_import_sqlite):
    data = wbk.sessions([["Alpha group", DAY, 3, "A0\u200b00", "Y", 60, None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert problems(batch) == [("error", "Sessions", 2, "D (Client code)", "A0\u200b00", "code.invisible")]


def test_dates_exported_as_day_numbers_or_yyyymmdd_text_are_read(sqlite_world, run_import_sqlite):
    data = wbk.xlsx({"Roster": [wbk.ROSTER_HEADER,
                                ["A010", "Alpha group", "46054", "46083", None, None, None],  # 2026-02-01, -03-02
                                ["A011", "Alpha group", "20260201", "20260302", None, None, None],
                                ["A012", "Alpha group", "'Sunday, February 1, 2026", "\u200bMon 2 March 2026", None,
                                 None, None]]},
                    text_columns="ACD")
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    rows = db.session.execute(select(Participant.referral_date, Participant.start_date)
                              .where(Participant.client_code.in_(["A010", "A011", "A012"]))).all()
    assert [tuple(r) for r in rows] == [(date(2026, 2, 1), DAY)] * 3


@pytest.mark.parametrize("raw", ["20032026", "12345"])  # ddmmyyyy; a day number before 1950
def test_digits_that_are_no_date_are_refused(sqlite_world, run_import_sqlite, raw):
    data = wbk.roster([["A010", "Alpha group", None, raw, None, None, None]])
    batch = run_import_sqlite(data, "roster", sqlite_world.agency_a)
    assert [(p.sheet_row, p.sheet_column, p.value) for p in batch.problems] == [(2, "D (Start date)", raw)]


# --- sheets exported by an EHR and kept by hand for years: page breaks, separators, totals and notes

def test_an_export_with_page_break_headers_separators_totals_and_notes_imports_its_rows(sqlite_world,
                                                                                        run_import_sqlite):
    header = wbk.SESSIONS_HEADER
    data = wbk.xlsx({"Sessions": [
        ["Exported from EHR 2026-03-03"], header,  # a title line above the header
        ["Alpha group", DAY, 3, "A000", "Y", 60, None, None], [None] * 8,  # a blank line between teams
        header, ["Alpha group", DAY, 3, "A001", "N", 60, None, None],  # the header again after a page break
        ["Count: 2"], [], ["Note: absences include excused"], ["* one row per participant"],
        ["Printed 03/03/2026 by the EHR"]]})
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert batch.counts["new"] == 2
    assert [(p.sheet_row, p.rule) for p in batch.problems] == [(5, "header.repeated"), (7, "row.totals"),
                                                               (9, "row.note"), (10, "row.note"), (11, "row.note")]


def test_a_note_in_a_row_with_data_is_still_an_error(sqlite_world, run_import_sqlite):
    data = wbk.sessions([["Alpha group", DAY, 3, "A000", "Y", 60, None, None],
                         ["Note: A001 left early", DAY, 3, "A001", "Y", 60, None, None]])
    batch = run_import_sqlite(data, "sessions", sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [(3, "A (Team)", "team.unknown")]


def test_a_grid_with_a_note_under_it_imports_its_marks(sqlite_world, run_import_sqlite):
    data = wbk.xlsx({"Grid": [["Team", "Alpha group"], ["Module", "M3"], ["Client code", DAY],
                              ["A000", "Y"], ["A001", "\uff2e"], [], ["NB: C means cancelled"]]})
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a)
    assert batch.status == "committed", problems(batch)
    assert [(p.sheet_row, p.rule) for p in batch.problems] == [(7, "row.note")]
    assert _sessions_of(sqlite_world.team_a) == [(DAY, 3, None, None)]
