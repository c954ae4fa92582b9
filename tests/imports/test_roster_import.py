"""Roster imports: participants added by client code, updated when corrected, untouched when re-uploaded."""
from datetime import date

from sqlalchemy import select

from extensions import db
from imports.models import ImportProblem
from models import AuditLog, Participant
from signals import attendance_changed
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot, table_counts


def _participant(code):
    return db.session.scalar(select(Participant).where(Participant.client_code == code))


def test_new_participants_are_added_with_codes_kept_as_text(app, world, run_import):
    received = []
    data = wbk.roster([["00123", "Alpha group", date(2026, 1, 2), date(2026, 1, 12), None, None, None],
                       ["A900", "alpha  GROUP", "2026-01-03", "15/01/2026", "2026-06-30", "Moved away", "individual"]])

    def receiver(sender, team_ids, dates=None, **extra):
        received.append((team_ids, dates))

    with attendance_changed.connected_to(receiver):  # the dashboards' own receiver stays connected
        batch = run_import(data, "roster", world.agency_a)
    assert batch.status == "committed", batch.message
    assert batch.counts["new"] == 2 and batch.counts["rejected"] == 0
    first = _participant("00123")
    assert (first.team_id, first.start_date, first.format) == (world.team_a.id, date(2026, 1, 12), "group")
    second = _participant("A900")
    assert (second.start_date, second.end_date, second.end_reason, second.format) == \
        (date(2026, 1, 15), date(2026, 6, 30), "Moved away", "individual")
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "import_batch")).all()
    assert [(a.entity_id, a.agency_id, a.action) for a in audit] == [(batch.id, world.agency_a.id, "import")]
    assert received == [({world.team_a.id}, None)]  # enrolment changed: every month of the team is redone


def test_same_file_again_changes_nothing_and_says_so(app, world, run_import):
    data = wbk.roster([["A100", "Alpha group", None, date(2026, 1, 12), None, None, None]])
    run_import(data, "roster", world.agency_a)
    before = snapshot()
    again = run_import(data, "roster", world.agency_a)
    assert again.status == "committed"
    assert (again.counts["new"], again.counts["changed"], again.counts["unchanged"]) == (0, 0, 1)
    assert "Nothing to change" in again.message
    assert snapshot() == before


def test_corrected_file_updates_what_changed(app, world, run_import):
    run_import(wbk.roster([["A100", "Alpha group", None, date(2026, 1, 12), None, None, None],
                           ["A101", "Alpha group", None, date(2026, 1, 12), None, None, None]]), "roster",
               world.agency_a)
    fixed = wbk.roster([["A100", "Alpha group", None, date(2026, 1, 12), date(2026, 3, 1), "Completed IMR", None],
                        ["A101", "Alpha group", None, date(2026, 1, 12), None, None, None]])
    batch = run_import(fixed, "roster", world.agency_a)
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["unchanged"]) == (0, 1, 1)
    assert _participant("A100").end_date == date(2026, 3, 1)


def test_one_bad_row_changes_nothing_and_names_the_place(app, world, run_import):
    before = table_counts()
    data = wbk.roster([["A200", "Alpha group", None, date(2026, 1, 12), None, None, None],
                       ["A201", "Alpha group", date(2026, 2, 1), date(2026, 1, 12), None, None, None],
                       ["A202", "No such team", None, date(2026, 1, 12), None, None, None],
                       ["A200", "Alpha group", None, date(2026, 1, 12), None, None, None]])
    batch = run_import(data, "roster", world.agency_a)
    assert batch.status == "rejected"
    assert table_counts() == before
    problems = {(p.sheet, p.sheet_row, p.sheet_column, p.rule) for p in
                db.session.scalars(select(ImportProblem).where(ImportProblem.batch_id == batch.id))}
    assert problems == {("Roster", 3, "C (Referral date)", "dates.order"),
                        ("Roster", 4, "B (Team)", "team.unknown"),
                        ("Roster", 5, "A (Client code)", "key.duplicate")}
    assert batch.counts["rejected"] == 3 and batch.counts["new"] == 1


def test_other_agency_codes_and_teams_are_separate(sqlite_world, run_import_sqlite):
    world, run_import = sqlite_world, run_import_sqlite
    data = wbk.roster([["B000", "Alpha group", None, date(2026, 1, 12), None, None, None],
                       ["X1", "Beta group", None, date(2026, 1, 12), None, None, None]])
    batch = run_import(data, "roster", world.agency_a)
    rules = [p.rule for p in batch.problems]
    assert rules == ["team.unknown"]  # agency B's team is unknown to A; B's client code B000 is simply new to A
    assert _participant("X1") is None


# --- roster changes as the years go: leaving, coming back, moving, a discharge typed wrong

def _attended(world, code, day):
    from tests.factories import make_attendance, make_session
    session = make_session(world.team_a, day, 2)
    db.session.flush()
    make_attendance(session, _participant(code))
    db.session.commit()


def test_a_discharge_before_recorded_attendance_is_refused_naming_the_session(app, world, run_import):
    _attended(world, "A000", date(2026, 2, 16))
    before = snapshot()
    data = wbk.roster([["A000", "Alpha group", None, date(2026, 1, 5), date(2026, 2, 1), "Moved away", None],
                       ["A001", "Alpha group", None, date(2026, 2, 20), None, None, None]])  # no attendance: fine
    batch = run_import(data, "roster", world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems] == \
        [(2, "E (End date)", "2026-02-01", "enrolment.attendance")]
    assert "the session of 2026-02-16 recorded for 'A000'" in batch.problems[0].message
    assert snapshot() == before
    later = wbk.roster([["A000", "Alpha group", None, date(2026, 2, 17), None, None, None]])  # a start after it too
    assert [p.rule for p in run_import(later, "roster", world.agency_a).problems] == ["enrolment.attendance"]
    fine = wbk.roster([["A000", "Alpha group", None, date(2026, 1, 5), date(2026, 2, 16), "Completed IMR", None]])
    assert run_import(fine, "roster", world.agency_a).status == "committed"  # ending on the day of their last one
    assert _participant("A000").end_date == date(2026, 2, 16)


def test_a_participant_coming_back_is_told_to_keep_the_first_start_and_clear_the_end_date(sqlite_world,
                                                                                          run_import_sqlite):
    _attended(sqlite_world, "A001", date(2026, 2, 16))  # before they left: the enrolment must still hold it
    left = _participant("A001")
    left.end_date, left.end_reason = date(2026, 3, 1), "Moved away"
    db.session.commit()
    back = wbk.roster([["A001", "Alpha group", None, date(2026, 6, 1), None, None, None]])
    batch = run_import_sqlite(back, "roster", sqlite_world.agency_a)
    assert [(p.sheet_row, p.rule) for p in batch.problems] == [(2, "dates.order")]
    said = "If they came back, keep the first Start date (2026-01-05) and write clear in End date"
    assert said in batch.problems[0].message
    restarted = wbk.roster([["A001", "Alpha group", None, date(2026, 6, 1), "clear", "clear", None]])
    batch = run_import_sqlite(restarted, "roster", sqlite_world.agency_a)  # a new start would orphan 2026-02-16
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == \
        [(2, "D (Start date)", "enrolment.attendance")]
    assert said in batch.problems[0].message
    cleared = wbk.roster([["A001", "Alpha caseload", None, date(2026, 1, 5), "clear", "clear", None]])  # and moved
    batch = run_import_sqlite(cleared, "roster", sqlite_world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    again = _participant("A001")
    assert (again.team.name, again.start_date, again.end_date, again.end_reason) == \
        ("Alpha caseload", date(2026, 1, 5), None, None)
