"""Attendance grids (participants down, dates across) and historical fidelity ratings."""
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment
from models import Attendance, Session
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot, table_counts

D1, D2, D3 = date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)


def _marks(team_id):
    rows = db.session.execute(select(Session.session_date, Session.module, Attendance.participant_id, Attendance.status)
                              .join(Attendance, Attendance.session_id == Session.id).where(Session.team_id == team_id)
                              .order_by(Session.session_date, Attendance.participant_id)).all()
    return [(d, m, s) for d, m, _, s in rows]


def test_grid_marks_become_sessions_and_attendance(app, world, run_import):
    data = wbk.grid("Alpha group", [D1, "2026-02-16", D3], [2, 2, 3],
                    [["A000", "X", "", True], ["A001", 1, "n", None], ["A002", None, None, None]])
    batch = run_import(data, "attendance_grid", world.agency_a)
    assert batch.status == "committed", batch.message
    assert batch.counts["new"] == 4 and batch.counts["detail"]["sessions"]["new"] == 3
    assert _marks(world.team_a.id) == [(D1, 2, "attended"), (D1, 2, "attended"), (D2, 2, "absent"),
                                       (D3, 3, "attended")]
    before = snapshot()
    again = run_import(data, "attendance_grid", world.agency_a)
    assert (again.counts["unchanged"], again.counts["new"]) == (4, 0) and snapshot() == before


def test_grid_problems_name_the_cell(sqlite_world, run_import_sqlite):
    before = table_counts()
    data = wbk.grid("Alpha group", [D1, date(2025, 12, 1), "Total", "03/04/2026"], [2, 14, None, 4],
                    [["A000", "Y", "Y", 3, "Y"], ["Z9", "Y", None, None, "N"], [None, "Y", None, None, None]])
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a)
    found = {(p.sheet_row, p.sheet_column, p.rule, p.severity) for p in batch.problems}
    assert found == {(3, "D (Total)", "header.extra", "warning"),  # not a date: reported and ignored
                     (2, "C (2025-12-01)", "module.range", "error"),  # the Module row is row 2
                     (3, "C (2025-12-01)", "enrolment.outside", "error"),  # the same mark's second problem
                     (3, "E (03/04/2026)", "date.ambiguous", "error"),  # reported once at its header cell
                     (5, "A (Client code)", "client.unknown", "error"),
                     (6, "A (Client code)", "required", "error")}
    assert batch.counts["rejected"] == 5  # every mark under a bad header or beside a bad code
    assert batch.status == "rejected" and table_counts() == before


def test_grid_without_team_row_or_chosen_team_is_refused(sqlite_world, run_import_sqlite):
    """The Module row is optional (tests/imports/test_grid_as_kept.py); the team must come from somewhere."""
    before = table_counts()
    data = wbk.xlsx({"Grid": [["Client code", D1], ["A000", "Y"]]})
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a)
    assert [(p.rule, p.message) for p in batch.problems] == [
        ("header.missing", "The grid needs a row labelled 'Team' with the team's name in the next cell, or choose "
                           "the team on the upload form.")]
    assert batch.status == "rejected" and table_counts() == before


HISTORY_HEADER = ["Program", "Team", "Scale", "Format", "Visit date", *[f"Item {n}" for n in range(1, 17)], "Note"]


def test_historical_ratings_are_recorded_as_final_assessments(app, world, run_import):
    imr = ["Alpha IMR", None, "IMR Fidelity", "group", date(2025, 6, 10), *[4] * 12, 3, *[None] * 3, "Baseline"]
    itis = ["Alpha IMR", "Alpha caseload", "it_is", "individual", date(2025, 7, 1), *[3] * 11, None, None,
            "NA", 4, "na", None]
    data = wbk.xlsx({"Ratings": [HISTORY_HEADER, imr, itis]})
    batch = run_import(data, "fidelity_history", world.agency_a)
    assert batch.status == "committed", batch.message
    found = db.session.scalars(select(Assessment).order_by(Assessment.visit_date)).all()
    assert [(a.scale_key, a.status, a.format, a.team_id is None) for a in found] == \
        [("imr_fidelity", "final", "group", True), ("it_is", "final", "individual", False)]
    assert round(found[0].summary_score, 3) == round((12 * 4 + 3) / 13, 3)
    again = run_import(data, "fidelity_history", world.agency_a)
    assert (again.counts["unchanged"], again.counts["new"]) == (2, 0)
    assert db.session.query(Assessment).count() == 2


def test_historical_ratings_follow_the_scale(sqlite_world, run_import_sqlite):
    missing = ["Alpha IMR", None, "imr_fidelity", "group", date(2025, 6, 10), *[4] * 12, None, *[None] * 3, None]
    extra = ["Alpha IMR", None, "imr_fidelity", "group", date(2025, 6, 11), *[4] * 13, 5, None, None, None]
    group_only = ["Alpha IMR", None, "it_is", "individual", date(2025, 6, 12), *[3] * 11, 4, None, None, None,
                  None, None]
    future = ["Alpha IMR", None, "imr_fidelity", "group", date(2099, 1, 1), *[4] * 13, None, None, None, None]
    data = wbk.xlsx({"Ratings": [HISTORY_HEADER, missing, extra, group_only, future]})
    batch = run_import_sqlite(data, "fidelity_history", sqlite_world.agency_a)
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [
        (2, "R (Item 13)", "item.required"), (3, "S (Item 14)", "item.unknown"),
        (4, "Q (Item 12)", "item.not_applicable"), (5, "E (Visit date)", "date.future")]
    assert db.session.query(Assessment).count() == 0


def test_historical_ratings_are_checked_on_the_scales_own_range(sqlite_app, sqlite_world, run_import_sqlite,
                                                                 tmp_path):
    from fidelity.scales.definition import SCALES_DIR
    from tests.fidelity.scale_files import four_point
    text = four_point((SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text())
    (tmp_path / "four.toml").write_text(text.replace('version = "3-24-05"', 'version = "four-point"').replace(
        "released = 2005-03-24", "released = 2026-02-01"))
    sqlite_app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    row = ["Alpha IMR", None, "imr_fidelity", "group", date(2026, 3, 2), 5, *[4] * 12, None, None, None, None]
    batch = run_import_sqlite(wbk.xlsx({"Ratings": [HISTORY_HEADER, row]}), "fidelity_history",
                              sqlite_world.agency_a)
    [problem] = batch.problems
    assert (problem.sheet_row, problem.sheet_column, problem.rule) == (2, "F (Item 1)", "rating.invalid")
    assert "is rated 1 to 4 on the IMR Fidelity Scale; 5 is outside that range" in problem.message
    assert db.session.query(Assessment).count() == 0


def test_grid_marks_under_a_future_date_are_refused_like_a_future_session(sqlite_world, run_import_sqlite):
    """A session log refuses a session dated after tomorrow (date.future); a grid's date column is the same date,
    so a mark under it is refused with the same message at its date. Dates set out ahead with no marks are fine."""
    before = table_counts()
    ahead, later = date.today() + timedelta(days=30), date.today() + timedelta(days=60)
    data = wbk.grid("Alpha group", [D1, ahead, later], [2, 2, 3], [["A000", "Y", "Y", None], ["A001", "N", "", None]])
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a)
    found = [(p.sheet_row, p.sheet_column, p.rule, p.message) for p in batch.problems]
    assert found == [(3, f"C ({ahead.isoformat()})", "date.future",
                      f"Session date {ahead.isoformat()} is in the future: record a session once it has taken place.")]
    assert batch.status == "rejected" and batch.counts["rejected"] == 1 and table_counts() == before


def test_a_grid_pasted_twice_keeps_the_marks_above_the_second_header(sqlite_world, run_import_sqlite):
    """The header's copy below the first marks was taken as the header, and the marks above it were dropped
    without a word; a copy with the same dates is skipped, one with other dates refuses the file."""
    header = ["Client code", D1, D2]
    data = wbk.grid("Alpha group", [D1, D2], [2, 2], [["A000", "Y", "N"], header, ["A001", "Y", "Y"]])
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 4
    assert [(p.sheet_row, p.rule, p.severity) for p in batch.problems] == [(5, "header.repeated", "warning")]
    before = table_counts()
    data = wbk.grid("Alpha group", [D1, D2], [2, 2], [["A000", "Y", "N"], ["Client code", D3], ["A001", "Y"]])
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a)
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [(5, "A (Client code)", "header.again")]
    assert batch.status == "rejected" and table_counts() == before


def test_a_grid_totals_row_is_skipped_with_a_warning(sqlite_world, run_import_sqlite):
    data = wbk.grid("Alpha group", [D1, D2], [2, 2], [["A000", "Y", "N"], ["A001", "Y", "Y"], ["Total", 2, 1]])
    batch = run_import_sqlite(data, "attendance_grid", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.counts["new"] == 4
    assert [(p.sheet_row, p.rule, p.severity) for p in batch.problems] == [(6, "row.totals", "warning")]


def test_a_module_merged_across_its_dates_is_each_date_s_module(sqlite_world, run_import_sqlite):
    """A module taught over two weeks is one Module cell merged over both dates; Excel shows it over both, and only
    the first column holds the value: the second session was recorded with the module not recorded."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Grid"
    for row in (["Team", "Alpha group"], ["Module", 2, None], ["Client code", date(2026, 2, 9), date(2026, 2, 16)],
                ["A000", "Y", "N"], ["A001", "Y", "Y"]):
        sheet.append(row)
    sheet.merge_cells("B2:C2")
    batch = run_import_sqlite(wbk.saved(book), "attendance_grid", sqlite_world.agency_a, commit=False)
    assert batch.status == "checked" and batch.problems == []
    assert sorted(c.subject for c in batch.changes if c.record == "session") == [
        "Alpha group 2026-02-09, module 2", "Alpha group 2026-02-16, module 2"]
