"""Visit dates: a visit dated ahead is not handed in or finalised; a date typed wrongly is corrected (before the
visit is final, with the audit log; after, as an amendment), and the next visit due moves with it."""
from datetime import date, timedelta

from sqlalchemy import select

from extensions import db
from fidelity.models import Rating
from models.audit import AuditLog
from scheduling.models import Notification
from tests.fidelity.factories import GROUP_A, make_final, make_visit, rate, rating_form, saved_ratings, user


def test_ratings_of_a_visit_dated_ahead_are_not_submitted_or_finalised(app, client, auth, world):
    trainer = user(world.users["trainer"])
    ahead = date.today() + timedelta(days=40)  # 2027 typed for 2026: the schedule would skip a year
    visit = make_visit(world.program_a, [trainer], visit_date=ahead)
    auth.login(world.users["trainer"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A, "submit"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "still to come" in page
    assert saved_ratings()[1] == (4, "evidence 1")  # the draft is saved all the same
    rate(visit, trainer, {}, submitted=True)  # submitted before this rule, or imported
    visit.status = "submitted"
    db.session.commit()
    response = auth.post(f"/fidelity/assessments/{visit.id}/consensus", {**rating_form(GROUP_A, "finalize")})
    assert response.status_code == 400 and "still to come" in response.get_data(as_text=True)
    db.session.expire_all()
    assert visit.status == "submitted"


def test_a_visit_date_typed_wrongly_is_corrected_before_the_visit_is_final(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer], visit_date=date.today() + timedelta(days=40))
    auth.login(world.users["trainer"])
    url = f"/fidelity/assessments/{visit.id}/visit-date"
    response = auth.post(url, {"visit_date": "2026-02-29", "reason": "typo"})
    assert response.status_code == 302
    assert "Give the visit date as YYYY-MM-DD." in client.get(response.location).get_data(as_text=True)
    assert auth.post(url, {"visit_date": "2026-02-27", "reason": ""}).status_code == 302
    db.session.expire_all()
    assert visit.visit_date == date.today() + timedelta(days=40)  # no reason, no change
    auth.post(url, {"visit_date": "2026-02-27", "reason": "2027 typed for 2026"})
    db.session.expire_all()
    assert visit.visit_date == date(2026, 2, 27)
    row = db.session.scalars(select(AuditLog).where(AuditLog.field == "visit_date").order_by(AuditLog.id)).all()[-1]
    assert (row.new_value, row.reason) == ("2026-02-27", "2027 typed for 2026")
    assert auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A, "submit")).status_code == 302


def test_a_final_visits_date_is_corrected_as_an_amendment_and_the_next_visit_moves(app, client, auth, world):
    visit = make_final(world.program_a, [3] * 13, visit_date=date(2025, 3, 2))  # 2025 typed for 2026
    auth.login(world.users["trainer"])
    assert "2 Sep 2025" in client.get("/visits-due?show=all").get_data(as_text=True)
    response = auth.post(f"/fidelity/assessments/{visit.id}/visit-date",
                         {"visit_date": "2026-03-02", "reason": "2025 typed for 2026"})
    assert response.status_code == 302
    db.session.expire_all()
    assert visit.visit_date == date(2026, 3, 2) and visit.status == "final"
    amendment = visit.amendments[-1]
    assert (amendment.item_number, amendment.old_value, amendment.new_value) == (None, "2025-03-02", "2026-03-02")
    report = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert "visit date" in report and "2025 typed for 2026" in report
    told = db.session.scalar(select(Notification).where(Notification.user.has(email=world.users["manager_a"])))
    assert "was amended from 2 Mar 2025 to 2 Mar 2026;" in told.body
    assert "2 Sep 2026" in client.get("/visits-due?show=all").get_data(as_text=True)
    assert auth.post(f"/fidelity/assessments/{visit.id}/visit-date",
                     {"visit_date": "2026-03-02", "reason": "again"}).status_code == 302
    assert len(visit.amendments) == 1  # the same date again is no amendment


def test_a_drafts_date_is_not_corrected_to_more_than_a_year_ahead_or_to_the_same_day(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])], visit_date=date(2026, 3, 2))
    auth.login(world.users["trainer"])
    url = f"/fidelity/assessments/{visit.id}/visit-date"
    logged = len(db.session.scalars(select(AuditLog)).all())
    for typed, problem in (((date.today() + timedelta(days=367)).isoformat(), "more than a year ahead"),
                           ("2026-03-02", "The visit date is 2 Mar 2026 already.")):
        response = auth.post(url, {"visit_date": typed, "reason": "typo"})
        assert problem in client.get(response.location).get_data(as_text=True)
    assert len(db.session.scalars(select(AuditLog)).all()) == logged  # nothing changed
