"""The preview is the truth: blanks keep, `clear` clears, every change listed field by field, commits re-checked."""
import html
import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from extensions import db
from imports import operations
from imports.kinds import changes, declarations
from imports.models import ImportBatch, ImportChange
from imports.reading import cells
from models import AuditLog, Participant
from tests.factories import make_attendance, make_session
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

PARTIAL = ["Client code", "Team", "Start date"]


def _person(code):
    db.session.expire_all()
    return db.session.scalar(select(Participant).where(Participant.client_code == code))


def _lines(batch_id):
    """(action, record, subject, field, old, new, cleared) of a batch's preview, in order."""
    return [(c.action, c.record, c.subject, c.field, c.old_value, c.new_value, c.cleared) for c in
            db.session.scalars(select(ImportChange).where(ImportChange.batch_id == batch_id).order_by(ImportChange.id))]


def _problems(batch):
    return sorted((p.sheet_row, p.sheet_column, p.rule) for p in batch.problems)


def _ended(world):
    """A000 with every optional date and reason recorded, as a roster import would have left it."""
    person = _person("A000")
    person.referral_date, person.end_date, person.end_reason = date(2025, 12, 1), date(2026, 6, 30), "Moved away"
    db.session.commit()
    return person


def test_partial_roster_changes_only_what_it_names(app, world, run_import):
    _ended(world)
    before = snapshot()
    data = wbk.roster([["A000", "Alpha group", date(2026, 1, 12)], ["A001", "Alpha group", date(2026, 1, 5)]],
                      header=PARTIAL)
    checked = run_import(data, "roster", world.agency_a, commit=False)
    assert checked.status == "checked", checked.message
    assert (checked.counts["changed"], checked.counts["unchanged"]) == (1, 1)
    assert _lines(checked.id) == [("changed", "participant", "A000", "Start date", "2026-01-05", "2026-01-12", False)]
    assert snapshot() == before  # a check writes nothing
    committed = operations.run(checked.id, commit=True)
    assert committed.status == "committed", committed.message
    person = _person("A000")
    assert (person.start_date, person.referral_date, person.end_date, person.end_reason, person.format) == \
        (date(2026, 1, 12), date(2025, 12, 1), date(2026, 6, 30), "Moved away", "group")


def test_blank_cells_keep_and_clear_empties(app, world, run_import):
    _ended(world)
    data = wbk.roster([["A000", "Alpha group", None, date(2026, 1, 5), "CLEAR", "clear", None]])
    checked = run_import(data, "roster", world.agency_a, commit=False)
    assert checked.status == "checked", [p.message for p in checked.problems]
    assert _lines(checked.id) == [
        ("changed", "participant", "A000", "End date", "2026-06-30", None, True),
        ("changed", "participant", "A000", "End reason", "Moved away", None, True)]
    operations.run(checked.id, commit=True)
    person = _person("A000")
    assert (person.referral_date, person.end_date, person.end_reason) == (date(2025, 12, 1), None, None)


def test_clear_that_breaks_a_rule_or_a_required_field_is_refused(app, world, run_import):
    _ended(world)
    before = snapshot()
    data = wbk.roster([["A000", "Alpha group", None, date(2026, 1, 5), "clear", None, None],
                       ["A001", "Alpha group", None, "Clear", None, None, None]])
    batch = run_import(data, "roster", world.agency_a)
    assert batch.status == "rejected" and snapshot() == before
    assert _problems(batch) == [(2, "E (End date)", "end_reason.without_end"), (3, "D (Start date)", "clear.required")]
    messages = {p.rule: p.message for p in batch.problems}
    assert "leave the end reason 'Moved away' without a date" in messages["end_reason.without_end"]
    assert messages["clear.required"].startswith("Start date is required, so it cannot be cleared")


def test_every_problem_of_a_row_is_reported(app, world, run_import):
    data = wbk.roster([["A900", "No such team", "2026-02-30", date(2026, 1, 5), date(2025, 1, 1), None, None]])
    batch = run_import(data, "roster", world.agency_a)
    assert _problems(batch) == [(2, "B (Team)", "team.unknown"), (2, "C (Referral date)", "date.invalid"),
                                (2, "E (End date)", "dates.order")]
    assert batch.counts["rejected"] == 1
    rows = [["Nowhere group", date(2025, 3, 2), 3, "Z9", "Y"], ["Alpha group", date(2025, 3, 2), 12, "A000", "Y"]]
    batch = run_import(wbk.sessions(rows, header=wbk.SESSIONS_HEADER[:5]), "sessions", world.agency_a)
    assert _problems(batch) == [(2, "A (Team)", "team.unknown"), (2, "D (Client code)", "client.unknown"),
                                (3, "B (Session date)", "enrolment.outside"), (3, "C (Module)", "module.range")]


def test_preview_lists_sessions_and_attendance_field_by_field(app, world, run_import):
    a000, a001 = _person("A000"), _person("A001")
    known = make_session(world.team_a, date(2026, 2, 9), module=3, minutes=60, topic="Stress")
    make_attendance(known, a000, "absent")
    make_attendance(known, a001, "attended")
    db.session.commit()
    rows = [["Alpha group", date(2026, 2, 9), 3, "A000", "Y", 45, "clear", None],
            ["Alpha group", date(2026, 2, 9), 3, "A001", "Y", None, None, None],
            ["Alpha group", date(2026, 2, 16), 4, "A001", "N", 50, None, "R. Diaz"]]
    batch = run_import(wbk.sessions(rows), "sessions", world.agency_a, commit=False)
    assert batch.status == "checked", batch.message
    assert _lines(batch.id) == [
        ("new", "session", "Alpha group 2026-02-16, module 4", None, None, "Minutes 50; Facilitator R. Diaz", False),
        ("changed", "session", "Alpha group 2026-02-09, module 3", "Minutes", "60", "45", False),
        ("changed", "session", "Alpha group 2026-02-09, module 3", "Topic", "Stress", None, True),
        ("new", "attendance", "A001 at Alpha group 2026-02-16, module 4", "Attended", None, "absent", False),
        ("changed", "attendance", "A000 at Alpha group 2026-02-09, module 3", "Attended", "absent", "attended", False)]
    sheet_rows = [c.sheet_row for c in db.session.scalars(select(ImportChange).order_by(ImportChange.id))]
    assert sheet_rows == [4, 2, 2, 4, 2]
    assert operations.run(batch.id, commit=True).status == "committed"
    db.session.refresh(known)
    assert (known.minutes, known.topic) == (45, None)


def test_a_stale_preview_is_not_committed_and_shows_what_moved(app, world, run_import):
    first = run_import(wbk.roster([["A000", "Alpha group", None, date(2026, 1, 5), date(2026, 5, 1), None, None]]),
                       "roster", world.agency_a, commit=False)
    assert _lines(first.id) == [("changed", "participant", "A000", "End date", None, "2026-05-01", False)]
    assert first.plan_digest
    # Meanwhile another import gives A000 the same end date and a reason.
    other = run_import(wbk.roster([["A000", "Alpha group", None, date(2026, 1, 5), date(2026, 5, 1), "Completed IMR",
                                    None]]), "roster", world.agency_a)
    assert other.status == "committed"
    before = snapshot()
    again = operations.run(first.id, commit=True)
    assert again.status == "checked" and snapshot() == before
    assert again.message.startswith("Since this preview was made, 1 of its changes no longer applies (another "
                                    "import or an edit changed the same records): check the new preview and commit "
                                    "again.")
    assert _lines(first.id) == [] and "Nothing to change" in again.message
    assert again.counts["moved"] == {"no longer apply": 1, "new": 0}
    assert operations.run(first.id, commit=True).status == "committed"  # the new preview holds: it commits


def test_an_unchanged_preview_cannot_revert_a_newer_import(app, world, run_import):
    data = wbk.roster([["A000", "Alpha group", None, date(2026, 1, 5), None, None, None]])
    idle = run_import(data, "roster", world.agency_a, commit=False)
    assert "Nothing to change" in idle.message and _lines(idle.id) == []
    run_import(wbk.roster([["A000", "Alpha group", None, date(2026, 1, 20), None, None, None]]), "roster",
               world.agency_a)
    again = operations.run(idle.id, commit=True)
    assert again.status == "checked" and "1 change is new" in again.message
    assert _person("A000").start_date == date(2026, 1, 20)
    assert _lines(idle.id) == [("changed", "participant", "A000", "Start date", "2026-01-20", "2026-01-05", False)]


def test_old_checked_imports_expire_and_can_be_discarded(app, world, run_import):
    data = wbk.roster([["A000", "Alpha group", None, date(2026, 1, 9), None, None, None]])
    old, older, kept, dropped = (run_import(data, "roster", world.agency_a, commit=False) for _ in range(4))
    week_ago = datetime.utcnow() - timedelta(days=7, hours=1)
    for batch in (old, older):
        batch.finished_at = week_ago
    db.session.commit()
    before = snapshot()
    expired = operations.run(old.id, commit=True)
    assert expired.status == "expired" and "more than 7 days ago" in expired.message and snapshot() == before
    assert operations.expire_old() == 1  # `older`; `kept` and `dropped` are fresh
    assert operations.discard(dropped.id, (None, "clerk@alpha.example")) is True
    assert operations.discard(dropped.id, (None, "clerk@alpha.example")) is False  # no longer checked
    db.session.expire_all()
    statuses = [db.session.get(ImportBatch, b.id).status for b in (old, older, kept, dropped)]
    assert statuses == ["expired", "expired", "checked", "discarded"]
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "discard"))
    assert (audit.entity_id, audit.actor, audit.new_value) == (dropped.id, "clerk@alpha.example", "discarded")
    assert operations.run(kept.id, commit=True).status == "committed"


def test_expiry_age_is_a_setting(app, world, run_import):
    app.config["IMPORT_CHECKED_EXPIRE_DAYS"] = 1
    batch = run_import(wbk.roster([["A000", "Alpha group", None, date(2026, 1, 9), None, None, None]]), "roster",
                       world.agency_a, commit=False)
    assert operations.expire_old(datetime.utcnow() + timedelta(hours=23)) == 0
    assert operations.expire_old(datetime.utcnow() + timedelta(days=1, hours=1)) == 1
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "expired"


def test_a_direct_commit_writes_no_preview_lines(app, world, run_import):
    batch = run_import(wbk.roster([["A000", "Alpha group", None, date(2026, 1, 9), None, None, None]]), "roster",
                       world.agency_a)
    assert batch.status == "committed" and _lines(batch.id) == [] and batch.plan_digest is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "import_batch")).new_value == \
        "new 0, changed 1, unchanged 0"


def test_attendance_status_line_survives_many_rows(sqlite_app, sqlite_world, run_import_sqlite):
    """Lines go in chunks: more lines than one chunk all arrive, in file order."""
    world = sqlite_world
    days = [date(2026, 1, 5) + timedelta(days=7 * n) for n in range(40)]
    grid = wbk.grid("Alpha group", days, [1 + n % 11 for n in range(40)],
                    [[code, *["Y"] * 40] for code in ("A000", "A001", "A002")])
    old_chunk = changes.CHUNK
    changes.CHUNK = 7
    try:
        batch = run_import_sqlite(grid, "attendance_grid", world.agency_a, commit=False)
    finally:
        changes.CHUNK = old_chunk
    lines = _lines(batch.id)
    assert batch.counts["new"] == 120 and len(lines) == 40 + 120
    assert lines[40] == ("new", "attendance", "A000 at Alpha group 2026-01-05, module 1", "Attended", None,
                         "attended", False)


def test_template_and_help_say_how_to_clear_from_the_declaration(sqlite_world, sqlite_client, sqlite_auth,
                                                                 monkeypatch):
    monkeypatch.setattr(declarations, "CLEAR_WORD", "erase")  # said once: the help, template and reader follow
    monkeypatch.setattr(cells, "CLEAR_WORD", "erase")
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    page = html.unescape(sqlite_client.get("/imports/kinds/roster").get_data(as_text=True))
    assert "write the word erase in its cell (any case); it works in these columns: Referral date, End date, " \
           "End reason." in page
    sheet = load_workbook(io.BytesIO(sqlite_client.get("/imports/kinds/roster/template.xlsx").data))["Instructions"]
    assert any("write the word erase in its cell" in str(row[0]) for row in sheet.iter_rows(values_only=True))
    history = html.unescape(sqlite_client.get("/imports/kinds/fidelity_history").get_data(as_text=True))
    assert "nothing can be cleared" in history
    assert cells.converter(declarations.ROSTER.column("end_date"))("ERASE") is cells.CLEARED
