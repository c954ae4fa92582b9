"""Kinds declared once: handlers read records by column key; who may import a kind; any scale the service knows."""
import dataclasses
import io
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment
from fidelity.scales.definition import SCALES_DIR
from imports.kinds import declarations
from imports.models import ImportBatch
from models import Attendance, Participant, Session
from tests.imports import workbooks as wbk

HISTORY_HEADER = ["Program", "Team", "Scale", "Format", "Visit date", *[f"Item {n}" for n in range(1, 17)], "Note"]
IMR_VISIT = ["Alpha IMR", None, "IMR Fidelity Scale", "group", date(2025, 6, 10), *[4] * 12, 3, *[None] * 3, "Baseline"]


def _import_every_kind(world, run_import):
    """Import one file of each kind; return what they left in the database."""
    roster = wbk.roster([["A900", "Alpha group", date(2026, 1, 2), date(2026, 1, 12), date(2026, 6, 30), "Moved away",
                          "individual"]])
    sessions = wbk.sessions([["Alpha group", date(2026, 2, 9), 3, "A000", "Y", 45, "Stress", "R. Diaz"],
                             ["Alpha group", date(2026, 2, 9), 3, "A001", "N", None, None, None]])
    grid = wbk.grid("Alpha group", [date(2026, 2, 16), date(2026, 2, 23)], [4, 5], [["A002", "Y", "E"]])
    history = wbk.xlsx({"Ratings": [HISTORY_HEADER, IMR_VISIT]})
    for data, kind in ((roster, "roster"), (sessions, "sessions"), (grid, "attendance_grid"),
                       (history, "fidelity_history")):
        batch = run_import(data, kind, world.agency_a)
        assert batch.status == "committed", (kind, [p.message for p in batch.problems])
    person = db.session.scalar(select(Participant).where(Participant.client_code == "A900"))
    marks = db.session.execute(select(Session.session_date, Session.module, Session.minutes, Session.topic,
                                      Attendance.participant_id, Attendance.status)
                               .join(Attendance, Attendance.session_id == Session.id)
                               .order_by(Session.session_date, Attendance.participant_id)).all()
    visit = db.session.scalar(select(Assessment))
    return ((person.referral_date, person.start_date, person.end_date, person.end_reason, person.format),
            [tuple(m) for m in marks], (visit.scale_key, visit.format, visit.visit_date, visit.note))


EXPECTED_PERSON = (date(2026, 1, 2), date(2026, 1, 12), date(2026, 6, 30), "Moved away", "individual")


@pytest.mark.parametrize("reordered", [False, True], ids=["declared", "reversed"])
def test_reordering_declarations_changes_no_result(app, world, run_import, monkeypatch, reordered):
    if reordered:
        for key, kind in list(declarations.KINDS.items()):
            monkeypatch.setitem(declarations.KINDS, key,
                                dataclasses.replace(kind, columns=tuple(reversed(kind.columns))))
    person, marks, visit = _import_every_kind(world, run_import)
    a0, a1, a2 = (db.session.scalar(select(Participant.id).where(Participant.client_code == c))
                  for c in ("A000", "A001", "A002"))
    assert person == EXPECTED_PERSON
    assert marks == [(date(2026, 2, 9), 3, 45, "Stress", a0, "attended"),
                     (date(2026, 2, 9), 3, 45, "Stress", a1, "absent"),
                     (date(2026, 2, 16), 4, None, None, a2, "attended"),
                     (date(2026, 2, 23), 5, None, None, a2, "excused")]
    assert visit == ("imr_fidelity", "group", date(2025, 6, 10), "Baseline")


def _upload(auth, data, kind, agency=None, api=False):
    form = {"kind": kind, "file": (io.BytesIO(data), "ratings.xlsx")}
    if agency:
        form["agency"] = agency
    if api:
        return auth.client.post("/api/v1/imports", data={**form, "commit": "true"}, headers=auth.headers(),
                                content_type="multipart/form-data")
    return auth.post("/imports/upload", form, content_type="multipart/form-data")


@pytest.mark.parametrize("role", ["manager_a", "clerk_a"])
def test_agency_staff_may_not_import_fidelity_history(app, client, auth, world, role):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users[role])
    data = wbk.xlsx({"Ratings": [HISTORY_HEADER, IMR_VISIT]})
    form = client.get("/imports/").get_data(as_text=True).split('id="kind"')[1].split("</select>")[0]
    assert "fidelity_history" not in form and "roster" in form
    assert _upload(auth, data, "fidelity_history").status_code == 403
    assert _upload(auth, data, "fidelity_history", api=True).status_code == 403
    assert db.session.scalar(select(ImportBatch)) is None and db.session.scalar(select(Assessment)) is None


def test_a_trainer_imports_history_for_any_agency_and_the_report_says_so(app, client, auth, world):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    auth.login(world.users["trainer"])
    beta = ["Beta IMR", None, "imr_fidelity", "group", date(2025, 6, 10), *[4] * 13, None, None, None, None]
    response = _upload(auth, wbk.xlsx({"Ratings": [HISTORY_HEADER, beta]}), "fidelity_history", agency="BBB", api=True)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.status, batch.agency_id) == ("committed", world.agency_b.id)
    visit = db.session.scalar(select(Assessment))
    assert visit.program_id == world.program_b.id
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    today = date.today().isoformat()
    assert f"imported from ratings.xlsx by {world.users['trainer']} on {today}" in page
    assert _upload(auth, wbk.roster([["A900", "Alpha group", None, date(2026, 1, 5), None, None, None]]), "roster",
                   agency="AAA").status_code == 403


def test_history_accepts_a_states_own_scale(app, world, run_import, tmp_path):
    text = (SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text()
    (tmp_path / "state.toml").write_text(text.replace('key = "imr_fidelity"', 'key = "ohio_imr"')
                                         .replace('title = "IMR Fidelity Scale"', 'title = "Ohio IMR Review"'))
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    rows = [HISTORY_HEADER, ["Alpha IMR", None, "ohio_imr", "group", date(2025, 6, 10), *[4] * 13, *[None] * 3, None],
            ["Alpha IMR", None, "Ohio IMR Review", "group", date(2025, 7, 10), *[5] * 13, *[None] * 3, None],
            ["Alpha IMR", None, "Ohio scale", "group", date(2025, 8, 10), *[5] * 13, *[None] * 3, None]]
    batch = run_import(wbk.xlsx({"Ratings": rows}), "fidelity_history", world.agency_a)
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [(4, "C (Scale)", "scale.unknown")]
    assert "ohio_imr (Ohio IMR Review)" in batch.problems[0].message
    rows.pop()
    batch = run_import(wbk.xlsx({"Ratings": rows}), "fidelity_history", world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    assert [a.scale_key for a in db.session.scalars(select(Assessment))] == ["ohio_imr", "ohio_imr"]
