"""Sessions with attendance: one row per participant per session, keyed by the natural keys."""
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from extensions import db
from imports import operations
from imports.models import ImportChange
from models import Attendance, Practitioner, Session
from signals import attendance_changed
from tests.factories import make_participant, make_team
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot, table_counts

FEB2 = date(2026, 2, 2)  # world.team_a already has a module-1 session on this day


def _attendance(team_id):
    rows = db.session.execute(select(Session.session_date, Session.module, Attendance.status)
                              .join(Attendance, Attendance.session_id == Session.id)
                              .where(Session.team_id == team_id)
                              .order_by(Session.session_date, Attendance.participant_id)).all()
    return [tuple(r) for r in rows]


def test_group_sessions_and_attendance_are_written(app, world, run_import):
    received = []
    data = wbk.sessions([["Alpha group", FEB2, 1, "A000", "Y", 60, "Recovery", "R. Doe"],
                         ["Alpha group", FEB2, 1, "A001", "no", None, None, None],
                         ["Alpha group", date(2026, 2, 9), 2, "A000", "✓", 75, None, "r. doe"],
                         ["Alpha group", date(2026, 2, 9), 2, "A001", "E", None, None, None]])

    def receiver(sender, team_ids, dates=None, **extra):
        received.append((team_ids, dates))

    with attendance_changed.connected_to(receiver):  # the dashboards' own receiver stays connected
        batch = run_import(data, "sessions", world.agency_a)
    assert batch.status == "committed", batch.message
    assert (batch.counts["new"], batch.counts["detail"]["sessions"]["new"]) == (4, 1)  # Feb 2 existed already
    assert batch.counts["detail"]["sessions"]["changed"] == 1  # it gained minutes, topic and facilitator
    assert _attendance(world.team_a.id) == [(FEB2, 1, "attended"), (FEB2, 1, "absent"),
                                            (date(2026, 2, 9), 2, "attended"), (date(2026, 2, 9), 2, "excused")]
    sessions = db.session.scalars(select(Session).where(Session.team_id == world.team_a.id)
                                  .order_by(Session.session_date)).all()
    assert [(s.participant_id, s.minutes, s.topic) for s in sessions] == [(None, 60, "Recovery"), (None, 75, None)]
    facilitators = db.session.scalars(select(Practitioner)).all()
    assert [f.name for f in facilitators] == ["R. Doe"]  # one new facilitator, matched again regardless of case
    assert sessions[0].practitioner_id == sessions[1].practitioner_id == facilitators[0].id
    assert received == [({world.team_a.id}, (FEB2, date(2026, 2, 9)))]  # the months the summaries redo


def test_individual_sessions_are_keyed_by_participant(app, world, run_import):
    caseload = next(t for t in world.program_a.teams if t.format == "individual")
    make_participant(caseload, "I001")
    make_participant(caseload, "I002")
    db.session.commit()
    data = wbk.sessions([["Alpha caseload", FEB2, 3, "I001", "Y", 45, None, None],
                         ["Alpha caseload", FEB2, 3, "I002", "N", 50, None, None]])
    batch = run_import(data, "sessions", world.agency_a)
    assert batch.status == "committed", batch.message
    rows = db.session.execute(select(Session.participant_id, Session.minutes).where(Session.team_id == caseload.id)
                              .order_by(Session.minutes)).all()
    assert len(rows) == 2 and all(pid is not None for pid, _ in rows)  # two sessions, one per participant


def test_reupload_changes_nothing_and_a_correction_updates_one_row(app, world, run_import):
    rows = [["Alpha group", date(2026, 2, 9), 2, code, "Y", 60, None, None] for code in ("A000", "A001", "A002")]
    run_import(wbk.sessions(rows), "sessions", world.agency_a)
    before = snapshot()
    again = run_import(wbk.sessions(rows), "sessions", world.agency_a)
    assert (again.status, again.counts["new"], again.counts["changed"], again.counts["unchanged"]) == \
        ("committed", 0, 0, 3)
    assert "Nothing to change" in again.message
    assert snapshot() == before
    rows[1][4] = "N"
    fixed = run_import(wbk.sessions(rows), "sessions", world.agency_a)
    assert (fixed.counts["new"], fixed.counts["changed"], fixed.counts["unchanged"]) == (0, 1, 2)
    assert _attendance(world.team_a.id)[1][2] == "absent"


@pytest.mark.parametrize("row, rule, column", [
    (["Alpha group", date(2025, 12, 1), 1, "A000", "Y"], "enrolment.outside", "B (Session date)"),
    (["Alpha group", FEB2, 12, "A000", "Y"], "module.range", "C (Module)"),
    (["Alpha group", FEB2, 1, "Z999", "Y"], "client.unknown", "D (Client code)"),
    (["Nowhere group", FEB2, 1, "A000", "Y"], "team.unknown", "A (Team)"),
    (["Alpha group", FEB2, 1, "B000", "Y"], "client.unknown", "D (Client code)"),  # agency B's participant
    (["Alpha group", FEB2, 1, "A000", "maybe"], "attended.invalid", "E (Attended)"),
    (["Alpha group", "03/04/2026", 1, "A000", "Y"], "date.ambiguous", "B (Session date)"),
    (["Alpha group", FEB2, 1, "1.2E+5", "Y"], "code.scientific", "D (Client code)"),
    (["Alpha group", None, 1, "A000", "Y"], "required", "B (Session date)"),
    (["Alpha group", date.today() + timedelta(days=30), 1, "A000", "Y"], "date.future", "B (Session date)"),  # 2062 for 2026
    # a client number or phone number in the date column: past Excel's last day, once a crash of the whole import
    (["Alpha group", 5551234, 1, "A000", "Y"], "date.implausible", "B (Session date)"),
    (["Alpha group", 1e10, 1, "A000", "Y"], "date.implausible", "B (Session date)"),
])
def test_bad_rows_are_refused_with_their_place(sqlite_world, run_import_sqlite, row, rule, column):
    before = table_counts()
    good = ["Alpha group", date(2026, 2, 9), 2, "A001", "Y"]
    batch = run_import_sqlite(wbk.sessions([good, row], header=wbk.SESSIONS_HEADER[:5]), "sessions",
                              sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet, p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [("Sessions", 3, column, rule)]
    assert batch.counts["rejected"] == 1 and batch.counts["new"] == 1
    assert table_counts() == before


def test_a_session_held_this_local_evening_is_accepted_and_one_dated_tomorrow_refused(
        sqlite_world, run_import_sqlite, los_angeles_evening):
    """18:30 in Los Angeles is 01:30 UTC, already the next day on a UTC server: today is still the local day."""
    tomorrow = los_angeles_evening + timedelta(days=1)
    rows = [["Alpha group", los_angeles_evening, 3, "A001", "Y"], ["Alpha group", tomorrow, 4, "A001", "Y"]]
    batch = run_import_sqlite(wbk.sessions(rows, header=wbk.SESSIONS_HEADER[:5]), "sessions", sqlite_world.agency_a)
    assert [(p.sheet_row, p.rule) for p in batch.problems] == [(3, "date.future")]  # tomorrow's row only
    batch = run_import_sqlite(wbk.sessions(rows[:1], header=wbk.SESSIONS_HEADER[:5]), "sessions",
                              sqlite_world.agency_a)
    assert batch.status == "committed", batch.message
    assert (los_angeles_evening, 3, "attended") in _attendance(sqlite_world.team_a.id)


def test_duplicates_and_disagreeing_rows_are_refused(sqlite_world, run_import_sqlite):
    world, run_import = sqlite_world, run_import_sqlite
    data = wbk.sessions([["Alpha group", FEB2, 1, "A000", "Y", 60],
                         ["Alpha group", FEB2, 1, "A000", "N", 60],
                         ["Alpha group", FEB2, 1, "A001", "N", 90]], header=wbk.SESSIONS_HEADER[:6])
    batch = run_import(data, "sessions", world.agency_a)
    found = [(p.sheet_row, p.rule, p.message) for p in batch.problems]
    assert [(row, rule) for row, rule, _ in found] == [(4, "session.conflict"), (3, "key.duplicate")]
    assert "row 2" in found[1][2] and "row 2" in found[0][2]


def test_participant_of_another_team_is_refused(sqlite_world, run_import_sqlite):
    world, run_import = sqlite_world, run_import_sqlite
    other = make_team(world.program_a, "Alpha second group")
    make_participant(other, "S001")
    db.session.commit()
    data = wbk.sessions([["Alpha group", FEB2, 1, "S001", "Y"]], header=wbk.SESSIONS_HEADER[:5])
    batch = run_import(data, "sessions", world.agency_a)
    assert [p.rule for p in batch.problems] == ["client.team"]


def test_a_sessions_next_rows_are_checked_for_their_participant(sqlite_world, run_import_sqlite):
    """A session's rows after its first are checked for the participant alone (AttendanceImport.take_all): a
    participant of another team, outside their enrolment or unknown is still reported at the row."""
    world, run_import = sqlite_world, run_import_sqlite
    make_participant(make_team(world.program_a, "Alpha second group"), "S001")
    make_participant(world.team_a, "A010", start=date(2026, 3, 2))
    make_participant(world.team_a, "A011", end=date(2026, 1, 30))
    for code in ("A003", "A004"):
        make_participant(world.team_a, code)
    db.session.commit()
    codes = ["A000", "S001", "A001", "A010", "A002", "A011", "A003", "Z999", "A004"]  # Excel rows 2-10
    data = wbk.sessions([["Alpha group", date(2026, 2, 9), 2, code, "Y"] for code in codes],
                        header=wbk.SESSIONS_HEADER[:5])
    batch = run_import(data, "sessions", world.agency_a)
    assert [(p.sheet_row, p.rule) for p in batch.problems] == \
        [(3, "client.team"), (5, "enrolment.outside"), (7, "enrolment.outside"), (9, "client.unknown")]
    assert (batch.status, batch.counts["new"], batch.counts["rejected"]) == ("rejected", 5, 4)


def test_agency_date_order_reads_ambiguous_text_dates(sqlite_world, run_import_sqlite):
    world, run_import = sqlite_world, run_import_sqlite
    world.agency_a.date_order = "DMY"
    db.session.commit()
    data = wbk.sessions([["Alpha group", "09/02/2026", 2, "A000", "Y"]], header=wbk.SESSIONS_HEADER[:5])
    batch = run_import(data, "sessions", world.agency_a)
    assert batch.status == "committed", batch.message
    assert _attendance(world.team_a.id) == [(date(2026, 2, 9), 2, "attended")]


def test_a_corrected_upload_out_of_order_is_sorted_into_new_changed_and_unchanged(app, world, run_import):
    feb9, feb16 = date(2026, 2, 9), date(2026, 2, 16)
    first = [["Alpha group", feb9, 2, code, mark, 60, None, None] for code, mark in
             (("A000", "Y"), ("A001", "Y"), ("A002", "N"))]
    run_import(wbk.sessions(first), "sessions", world.agency_a)
    # a new session first, then the recorded one's rows in another order: one unchanged, two changed
    fixed = [["Alpha group", feb16, 3, "A002", "Y", 60, None, None],
             ["Alpha group", feb9, 2, "A002", "Y", 60, None, None],
             ["Alpha group", feb9, 2, "A000", "Y", 60, None, None],
             ["Alpha group", feb9, 2, "A001", "E", 60, None, None]]
    before = snapshot()
    checked = run_import(wbk.sessions(fixed), "sessions", world.agency_a, commit=False)
    assert (checked.counts["new"], checked.counts["changed"], checked.counts["unchanged"]) == (1, 2, 1)
    lines = [(c.action, c.record, c.subject, c.old_value, c.new_value) for c in db.session.scalars(
        select(ImportChange).where(ImportChange.batch_id == checked.id).order_by(ImportChange.id))]
    assert lines == [("new", "session", "Alpha group 2026-02-16, module 3", None, "Minutes 60"),
                     ("new", "attendance", "A002 at Alpha group 2026-02-16, module 3", None, "attended"),
                     ("changed", "attendance", "A002 at Alpha group 2026-02-09, module 2", "absent", "attended"),
                     ("changed", "attendance", "A001 at Alpha group 2026-02-09, module 2", "attended", "excused")]
    assert snapshot() == before  # a check writes nothing
    committed = operations.run(checked.id, commit=True)
    assert committed.status == "committed", committed.message
    assert sorted(_attendance(world.team_a.id)) == [(feb9, 2, "attended"), (feb9, 2, "attended"),
                                                    (feb9, 2, "excused"), (feb16, 3, "attended")]


def test_a_repeat_far_from_its_first_row_is_refused_where_it_is(sqlite_world, run_import_sqlite):
    world, run_import = sqlite_world, run_import_sqlite
    feb9 = date(2026, 2, 9)
    rows = [["Alpha group", feb9, 2, "A001", "Y"], ["Alpha group", feb9, 2, "A000", "Y"],
            ["Alpha group", date(2026, 2, 16), 3, "A000", "Y"], ["Alpha group", feb9, 2, "A001", "N"]]
    before = table_counts()
    batch = run_import(wbk.sessions(rows, header=wbk.SESSIONS_HEADER[:5]), "sessions", world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet_row, p.rule) for p in batch.problems] == [(5, "key.duplicate")]
    assert "row 2" in batch.problems[0].message
    assert table_counts() == before


def test_a_session_log_with_merged_team_and_date_cells_is_read_as_excel_shows_it(app, world, run_import):
    """Session logs merge a session's Team and date down its rows: each row has the value Excel shows it."""
    make_participant(world.team_a, "A003")
    book = Workbook()
    sheet = book.active
    sheet.title = "Sessions"
    sheet.append(["Session log"])
    sheet.merge_cells("A1:E1")  # a title across: nothing is filled into the header row under it
    sheet.append(wbk.SESSIONS_HEADER[:5])
    for code in ("A000", "A001", "A003"):
        sheet.append(["Alpha group" if code == "A000" else None, date(2026, 2, 9) if code == "A000" else None, 2,
                      code, "Y"])
    sheet.merge_cells("A3:A5")
    sheet.merge_cells("B3:B5")
    batch = run_import(wbk.saved(book), "sessions", world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    assert _attendance(world.team_a.id)[-3:] == [(date(2026, 2, 9), 2, "attended")] * 3


def _merged_log(merges):
    """A session log whose Team and date are merged down its two rows, with mergeCell elements `merges` added."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sessions"
    sheet.append(wbk.SESSIONS_HEADER[:5])
    sheet.append(["Alpha group", date(2026, 2, 9), 2, "A000", "Y"])
    sheet.append([None, None, 2, "A001", "Y"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    return wbk.replace_part(wbk.saved(book), "xl/worksheets/sheet1.xml",
                            lambda xml: xml.replace(b'<mergeCell ref="A2:A3" />', b'<mergeCell ref="A2:A3" />' + merges))


@pytest.mark.parametrize("merges", [b'<mergeCell ref="G2:G6"/>',  # a note merged in an empty column beside the data
                                    b'<mergeCell ref="A2:A1048576"/>' * 40])  # the Team merged down the whole sheet
def test_a_merged_range_beside_or_below_the_data_reads_as_excel_shows_it(app, world, run_import, merges):
    """A range beside the data failed the import (the reader indexed past the row); one down the whole column was
    filled row by row to row 1,048,576, each copy of it again."""
    batch = run_import(_merged_log(merges), "sessions", world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    assert _attendance(world.team_a.id)[-2:] == [(date(2026, 2, 9), 2, "attended")] * 2


def test_filling_merged_ranges_down_holds_nothing_per_row_of_a_range():
    import tracemalloc
    from imports.reading.workbook import filled_down
    rows = [["Alpha", "x"], ["", "y"], ["", "z"]]
    tracemalloc.start()
    filled = list(filled_down(iter(rows), [((0, 0), (1_048_575, 0))] * 10, 0))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [row[0] for row in filled] == ["Alpha"] * 3
    assert peak < 100_000  # the ten ranges' 10 million rows were each a list entry (over 80 MB)


def test_a_header_pasted_again_below_is_skipped_and_one_in_other_places_refused(sqlite_world, run_import_sqlite):
    """Two blocks pasted one under the other repeat the header: each of its cells was an error ('no team called
    Team'). A copy is skipped with a warning; a header with its columns elsewhere would misread the rows under it."""
    header, first, second = wbk.SESSIONS_HEADER[:5], ["Alpha group", FEB2, 2, "A000", "Y"], \
        ["Alpha group", FEB2, 2, "A001", "N"]
    batch = run_import_sqlite(wbk.sessions([first, header, second], header=header), "sessions", sqlite_world.agency_a,
                              commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 2
    assert [(p.sheet_row, p.rule, p.severity) for p in batch.problems] == [(3, "header.repeated", "warning")]
    before = table_counts()
    moved = [header[3], *header[:3], header[4]]  # Client code first
    batch = run_import_sqlite(wbk.sessions([first, moved, ["A001", "Alpha group", FEB2, 2, "N"]], header=header),
                              "sessions", sqlite_world.agency_a)
    assert [(p.sheet_row, p.rule) for p in batch.problems][0] == (3, "header.again")
    assert batch.status == "rejected" and table_counts() == before


@pytest.mark.parametrize("totals", [["Total", None, None, None, 2], [None, None, None, "Totals:", 2],
                                    ["Grand total: 2 attended"]])
def test_a_totals_row_under_the_data_is_skipped_with_a_warning(sqlite_world, run_import_sqlite, totals):
    """Agencies' sheets end in a totals row: it was five errors ('no team called Total', 'Session date is
    required'...) and a refused file."""
    rows = [["Alpha group", FEB2, 2, "A000", "Y"], ["Alpha group", FEB2, 2, "A001", "Y"], totals]
    batch = run_import_sqlite(wbk.sessions(rows, header=wbk.SESSIONS_HEADER[:5]), "sessions", sqlite_world.agency_a,
                              commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 2
    assert [(p.sheet_row, p.rule, p.severity) for p in batch.problems] == [(4, "row.totals", "warning")]
