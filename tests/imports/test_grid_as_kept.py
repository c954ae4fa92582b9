"""Attendance grids as agencies keep them (issue 12, point 10): no Team or Module row, P/NS marks, cancelled
columns, blank cells outside enrolment, and what the dashboards make of sessions whose module is not known."""
import io
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from extensions import db
from imports import operations
from imports.models import ImportBatch
from models import Attendance, Session
from tests.factories import make_participant, make_session
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot

D1, D2, D3 = date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)
WINDOW = "from=2026-01-01&to=2026-03-31"


def _upload(auth, data, team_id=None, name="grid.xlsx"):
    form = {"kind": "attendance_grid", "file": (io.BytesIO(data), name)}
    if team_id is not None:
        form["team_id"] = str(team_id)
    return auth.post("/imports/upload", form, content_type="multipart/form-data")


def _run(data, agency, team=None, commit=True):
    """Check (and commit) a grid the way the worker does, with the team chosen on the upload form."""
    batch = operations.create_batch(agency, "attendance_grid", "grid.xlsx", data,
                                    options={"team_id": team.id} if team else None)
    return operations.run(batch.id, commit=commit)


def _sessions(team_id):
    return db.session.execute(select(Session.session_date, Session.module).where(Session.team_id == team_id)
                              .order_by(Session.session_date)).all()


def _marks(team_id):
    return db.session.execute(select(Session.session_date, Attendance.status, Attendance.participant_id)
                              .join(Attendance, Attendance.session_id == Session.id)
                              .where(Session.team_id == team_id)
                              .order_by(Session.session_date, Attendance.participant_id)).all()


def _problems(batch):
    return [(p.severity, p.sheet_row, p.sheet_column, p.rule) for p in batch.problems]


def test_grid_without_team_and_module_rows_imports_with_the_team_chosen_on_the_form(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    grid = wbk.xlsx({"Attendance": [["Client code", D1, D2, D3],
                                    ["A000", "P", "C", "L"],
                                    ["A001", "NS", "c", "present"],
                                    ["A002", None, "Cancelled", "no show"]]}, text_columns="A")
    auth.login(world.users["clerk_a"])
    form = client.get("/imports/").get_data(as_text=True)
    assert 'name="team_id"' in form and f'<option value="{world.team_a.id}"' in form
    assert "Beta group" not in form  # only the clerk's own agency's teams are offered
    page = client.get(_upload(auth, grid, world.team_a.id).headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(select(ImportBatch))
    assert batch.options == {"team_id": world.team_a.id}
    assert batch.status == "checked", batch.message
    assert "Ready to import: 5 new and 0 changed attendance marks" in page
    assert "The session of 2026-02-16 is marked cancelled (row 2): it is not recorded as a session and not " \
           "counted as offered." in page
    assert "no Module row: its 2 session dates are recorded with the module not recorded" in page
    assert ("warning", 2, "C (2026-02-16)", "session.cancelled") in _problems(batch)
    assert snapshot()["attendance"] == []  # checking wrote nothing
    auth.post(f"/imports/{batch.id}/commit")
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "committed"
    # The session of 2 Feb (module 1) was there; the cancelled 16 Feb is not recorded at all.
    assert _sessions(world.team_a.id) == [(date(2026, 2, 2), 1), (D1, None), (D3, None)]
    ids = {code: pid for code, pid in db.session.execute(text("SELECT client_code, id FROM participant"))}
    assert _marks(world.team_a.id) == [(D1, "attended", ids["A000"]), (D1, "absent", ids["A001"]),
                                       (D3, "attended", ids["A000"]), (D3, "attended", ids["A001"]),
                                       (D3, "absent", ids["A002"])]

    auth.logout()
    auth.login(world.users["manager_a"])
    data = client.get(f"/api/v1/teams/{world.team_a.id}/engagement?{WINDOW}").json
    people = {p["client_code"]: (p["offered"], p["attended"], p["modules_completed"]) for p in data["participants"]}
    # Three sessions offered (2 Feb, 9 Feb, 23 Feb), not four: the cancelled one is no session. A000 came to
    # both unknown-module sessions, which complete no module.
    assert people == {"A000": (3, 2, 0), "A001": (3, 1, 0), "A002": (3, 0, 0)}
    assert data["sessions_without_module"] == 2
    assert sum(m["sessions"] for m in data["modules_delivered"]) == 1
    team_page = client.get(f"/dashboards/teams/{world.team_a.id}?{WINDOW}").get_data(as_text=True)
    assert "2 sessions without a module were left out of the module figures" in team_page
    assert "module not recorded" in team_page
    program = client.get(f"/api/v1/programs/{world.program_a.id}/engagement?{WINDOW}").json
    alpha = next(m for m in program["modules_delivered"] if m["team_id"] == world.team_a.id)
    assert (alpha["modules"], alpha["without_module"], program["sessions_without_module"]) == (1, 2, 2)
    program_page = client.get(f"/dashboards/programs/{world.program_a.id}?{WINDOW}").get_data(as_text=True)
    assert "2 sessions without a module were left out" in program_page


def test_team_row_contradicting_the_chosen_team_is_refused(app, world):
    before = snapshot()
    grid = wbk.xlsx({"Grid": [["Team", "Alpha caseload"], ["Client code", D1], ["A000", "P"]]})
    batch = _run(grid, world.agency_a, team=world.team_a)
    assert batch.status == "rejected"
    [problem] = batch.problems
    assert (problem.sheet, problem.sheet_row, problem.sheet_column, problem.value, problem.rule) == \
        ("Grid", 1, "B (Team)", "Alpha caseload", "team.contradicts")
    assert "the team chosen on the upload form is 'Alpha group'" in problem.message
    assert snapshot() == before
    # A Team row naming the chosen team agrees with it.
    agreeing = wbk.xlsx({"Grid": [["Team", " alpha GROUP "], ["Client code", D1], ["A000", "P"]]})
    assert _run(agreeing, world.agency_a, team=world.team_a).status == "committed"


def test_team_of_another_agency_on_the_form_is_refused(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    before = snapshot()
    auth.login(world.users["clerk_a"])
    grid = wbk.xlsx({"Grid": [["Client code", D1], ["A000", "P"]]})
    response = _upload(auth, grid, world.team_b.id)
    assert response.status_code == 400
    assert "Choose a team of Agency Alpha for the grid" in response.get_data(as_text=True)
    assert "Beta" not in response.get_data(as_text=True)  # says nothing about the other agency's team
    for nonsense in ("x", "99999999999999999999", "-1"):
        assert _upload(auth, grid, nonsense).status_code == 400, nonsense
    api = client.post("/api/v1/imports", data={"kind": "attendance_grid", "team_id": str(world.team_b.id),
                                               "file": (io.BytesIO(grid), "grid.xlsx")},
                      headers=auth.headers(), content_type="multipart/form-data")
    assert api.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0 and snapshot() == before
    # The API takes the same field.
    api = client.post("/api/v1/imports", data={"kind": "attendance_grid", "team_id": str(world.team_a.id),
                                               "commit": "1", "file": (io.BytesIO(grid), "grid.xlsx")},
                      headers=auth.headers(), content_type="multipart/form-data")
    assert api.json["imports"]["status"] == "committed", api.json
    assert _sessions(world.team_a.id) == [(date(2026, 2, 2), 1), (D1, None)]


def test_blank_cells_outside_enrolment_record_and_count_nothing(app, client, auth, world):
    late = make_participant(world.team_a, "A009", start=D2, end=D2)
    db.session.commit()
    grid = wbk.xlsx({"Grid": [["Client code", D1, D2, D3], ["A000", "P", "P", "P"], ["A009", None, "P", None]]})
    batch = _run(grid, world.agency_a, team=world.team_a)
    assert batch.status == "committed", batch.message
    assert [(d, s) for d, s, pid in _marks(world.team_a.id) if pid == late.id] == [(D2, "attended")]
    auth.login(world.users["manager_a"])
    data = client.get(f"/api/v1/teams/{world.team_a.id}/engagement?{WINDOW}").json
    a009 = next(p for p in data["participants"] if p["client_code"] == "A009")
    assert (a009["offered"], a009["attended"], a009["engaged"]) == (1, 1, True)  # no absence before or after
    # A mark outside the enrolment is still refused, naming the cell.
    marked = wbk.xlsx({"Grid": [["Client code", D1, D2, D3], ["A009", "NS", "P", None]]})
    before = snapshot()
    refused = _run(marked, world.agency_a, team=world.team_a)
    assert refused.status == "rejected"
    assert _problems(refused) == [("warning", None, None, "module.none"),
                                  ("error", 1, "B (2026-02-09)", "enrolment.outside")]  # at the date, as before
    assert snapshot() == before


def test_cancelled_label_in_the_header_or_module_row_and_marks_under_it(app, world):
    grid = wbk.xlsx({"Grid": [["Module", 2, "Cancelled", None],
                              ["Client code", D1, D2, "2026-02-23 (cancelled)"],
                              ["A000", "P", None, None], ["A001", "NS", None, None]]})
    batch = _run(grid, world.agency_a, team=world.team_a)
    assert batch.status == "committed", batch.message
    assert _problems(batch) == [("warning", 1, "C (2026-02-16)", "session.cancelled"),
                                ("warning", 2, "D (2026-02-23 (cancelled))", "session.cancelled")]
    assert _sessions(world.team_a.id) == [(date(2026, 2, 2), 1), (D1, 2)]
    before = snapshot()
    marked = wbk.xlsx({"Grid": [["Client code", D1, D2], ["A000", "P", "C"], ["A001", "P", "P"],
                                ["A002", "P", "NS"]]})
    refused = _run(marked, world.agency_a, team=world.team_a)
    assert refused.status == "rejected" and refused.counts["rejected"] == 2
    [error] = [p for p in refused.problems if p.severity == "error"]
    assert (error.sheet_row, error.sheet_column, error.rule) == (3, "C (2026-02-16)", "session.cancelled_marked")
    assert error.message.startswith("Row 2 marks the session of column C (2026-02-16) cancelled, but the column "
                                    "has 2 attendance marks (rows 3-4).")
    assert snapshot() == before


def test_a_mark_without_module_finds_the_session_recorded_that_day(app, world):
    grid = wbk.xlsx({"Grid": [["Client code", date(2026, 2, 2)], ["A000", "P"]]})
    batch = _run(grid, world.agency_a, team=world.team_a)
    assert batch.status == "committed" and batch.counts["detail"]["sessions"]["unchanged"] == 1
    assert _sessions(world.team_a.id) == [(date(2026, 2, 2), 1)]  # no second session beside module 1
    assert [s for _, s, _ in _marks(world.team_a.id)] == ["attended"]


def test_one_unknown_module_session_per_team_and_day(app, world):
    """coalesce(module, 0) in the natural-key index: NULL modules still collide, module 3 beside NULL does not."""
    make_session(world.team_a, D1, module=None)
    make_session(world.team_a, D1, module=3)
    db.session.commit()
    with pytest.raises(IntegrityError):
        make_session(world.team_a, D1, module=None)
    db.session.rollback()
    assert sorted(_sessions(world.team_a.id), key=lambda s: (s[0], s[1] or 0)) == [(date(2026, 2, 2), 1), (D1, None),
                                                                                    (D1, 3)]


def test_template_and_help_follow_the_declarations(sqlite_world, sqlite_client, sqlite_auth):
    from openpyxl import load_workbook
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    wb = load_workbook(io.BytesIO(sqlite_client.get("/imports/kinds/attendance_grid/template.xlsx").data))
    checks = {str(v.sqref).split(":")[0]: v.formula1 for v in wb["Grid"].data_validations.dataValidation}
    assert checks["B5"] == '"Y,N,E,C"'
    instructions = [row[1] for row in wb["Instructions"].iter_rows(values_only=True) if row[0] in ("Team", "Module")]
    assert instructions == [None, None]  # neither row is required
    page = sqlite_client.get("/imports/kinds/attendance_grid").get_data(as_text=True)
    for words in ("<strong>Cancelled sessions</strong>", "<code>cancelled</code>", "choose the team on the upload form",
                  "module not recorded", "<code>ns</code>", "<code>p</code>"):
        assert words in page, words


def test_a_later_file_naming_the_module_fills_it_in(app, world, run_import):
    grid = wbk.xlsx({"Grid": [["Client code", D1], ["A000", "P"]]})
    assert _run(grid, world.agency_a, team=world.team_a).status == "committed"
    log = wbk.sessions([["Alpha group", D1, 3, "A000", "Y"], ["Alpha group", D1, 3, "A001", "N"]],
                       header=wbk.SESSIONS_HEADER[:5])
    batch = run_import(log, "sessions", world.agency_a)
    assert batch.status == "committed", batch.message
    assert batch.counts["detail"]["sessions"] == {"new": 0, "changed": 1, "unchanged": 0}
    assert (batch.counts["new"], batch.counts["unchanged"]) == (1, 1)
    assert _sessions(world.team_a.id) == [(date(2026, 2, 2), 1), (D1, 3)]  # one session that day, not two


def test_a_grid_column_that_is_no_date_but_holds_notes_is_listed_and_needs_confirming(app, world):
    grid = wbk.xlsx({"Attendance": [["Client code", D1, "Notes", D2],
                                    ["A000", "P", "came late", "NS"],
                                    ["A001", "NS", None, "P"]]}, text_columns="A")
    before = snapshot()
    batch = _run(grid, world.agency_a, team=world.team_a)
    assert batch.status == "checked" and batch.message.startswith("Not committed: the file has 1 column")
    assert batch.counts["unmatched_columns"] == [{"sheet": "Attendance", "column": "C", "header": "Notes",
                                                  "samples": ["came late"]}]
    assert snapshot() == before  # a direct commit stops at its preview until the column is confirmed ignored
    confirmed = operations.create_batch(world.agency_a, "attendance_grid", "grid.xlsx", grid,
                                        options={"team_id": world.team_a.id, "ignore_columns": True})
    assert operations.run(confirmed.id, commit=True).status == "committed"
    assert len(_marks(world.team_a.id)) == 4
