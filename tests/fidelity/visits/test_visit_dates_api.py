"""Correcting a visit's date through the JSON API: the page's one operation (a draft's date corrected with the
audit log, a final visit's amended and the next visit due moved), the page's permissions, JSON errors."""
from datetime import date

from sqlalchemy import select

from extensions import db
from models.audit import AuditLog
from tests.factories import make_user
from tests.fidelity.factories import make_final, make_visit, user
from tests.helpers import Auth


def _redate(auth, visit_id, body):
    return auth.client.post(f"/api/v1/assessments/{visit_id}/visit-date", headers=auth.headers(), json=body)


def _next_due(auth, program_id):
    return auth.client.get(f"/api/v1/programs/{program_id}/reassessment").get_json()["due_date"]


def test_a_drafts_date_is_corrected_through_the_api_and_the_audit_log_keeps_the_old_one(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])], visit_date=date(2026, 3, 2))
    auth.login(world.users["trainer"])
    response = _redate(auth, visit.id, {"visit_date": "2026-02-27", "reason": "typed the wrong day"})
    assert response.status_code == 200 and response.get_json()["assessment"]["visit_date"] == "2026-02-27"
    row = db.session.scalars(select(AuditLog).where(AuditLog.field == "visit_date")).all()[-1]
    assert (row.old_value, row.new_value, row.reason, row.actor) == (
        "2026-03-02", "2026-02-27", "typed the wrong day", world.users["trainer"])
    assert not db.session.expire_all() and visit.amendments == []  # a draft is corrected, not amended


def test_a_final_visits_date_is_amended_through_the_api_and_the_next_visit_moves(app, client, auth, world):
    # Mean 3.0 (moderate): the next visit is due 6 months after; high (all 5): 12 months after.
    moderate = make_final(world.program_a, [3] * 13, visit_date=date(2023, 8, 31))
    auth.login(world.users["trainer"])
    assert _next_due(auth, world.program_a.id) == "2024-02-29"  # Aug 31 + 6 months: the last day of February
    response = _redate(auth, moderate.id, {"visit_date": "2024-02-29", "reason": "2023 typed for 2024"})
    assert response.status_code == 200
    assert _next_due(auth, world.program_a.id) == "2024-08-29"
    db.session.expire_all()
    amendment = moderate.amendments[-1]
    assert (amendment.item_number, amendment.old_value, amendment.new_value, amendment.reason) == (
        None, "2023-08-31", "2024-02-29", "2023 typed for 2024")

    high = make_final(world.program_b, [5] * 13, visit_date=date(2024, 3, 1))
    assert _redate(auth, high.id, {"visit_date": "2024-02-29", "reason": "leap day"}).status_code == 200
    assert _next_due(auth, world.program_b.id) == "2025-02-28"  # Feb 29 + 12 months: no Feb 29 in 2025


def test_correcting_a_date_through_the_api_is_refused_as_on_the_page(app, client, auth, world):
    admin = user(world.users["admin"])
    draft, final = make_visit(world.program_a, [admin]), make_final(world.program_a, [3] * 13)
    make_user("second.trainer@state.example", "trainer")
    auth.login("second.trainer@state.example")  # neither started nor rates the draft
    response = _redate(auth, draft.id, {"visit_date": "2026-02-27", "reason": "typo"})
    assert response.status_code == 403 and response.get_json()["error"]["problems"] == [
        "Only the trainer who started it, a rater on it or an administrator can correct it."]
    for body, problem in (({"visit_date": "2026-02-30", "reason": "typo"}, "YYYY-MM-DD"),
                          ({"visit_date": 20260227, "reason": "typo"}, "YYYY-MM-DD"),
                          ({"visit_date": "2026-02-27", "reason": 7}, "Say why the date changes"),
                          ({"visit_date": "2026-03-02", "reason": "again"}, "2 Mar 2026 already"),
                          ({"visit_date": "2099-01-01", "reason": "typo"}, "still to come")):
        response = _redate(auth, final.id, body)
        assert response.status_code == 400 and problem in " ".join(response.get_json()["error"]["problems"])
    no_token = client.post(f"/api/v1/assessments/{final.id}/visit-date", json={"visit_date": "2026-02-27",
                                                                             "reason": "typo"})
    assert no_token.status_code == 400
    for role in ("manager_a", "clerk_a"):  # who may not rate is refused before anything is read
        other = Auth(app.test_client())
        other.login(world.users[role])
        assert _redate(other, final.id, {"visit_date": "2026-02-27", "reason": "typo"}).status_code == 403
    db.session.expire_all()
    assert (draft.visit_date, final.visit_date, final.amendments) == (date(2026, 3, 2), date(2026, 3, 2), [])
