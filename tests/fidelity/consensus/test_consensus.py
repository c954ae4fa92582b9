"""Consensus over HTTP: two raters rate alone, agreement, consensus, the final score; a final visit is read-only
and amendments record who, when and why."""
import re

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Amendment, Assessment
from models import AuditLog
from tests.fidelity.factories import (BOTH_DATABASES, GROUP_A, consensus_rows, make_final, make_visit, rate,
                                     rating_form, user)

TRAINER_B = [4, 5, 4, 5, 3, 5, 5, 4, 5, 5, 3, 2, 3]  # differs from group A on items 3, 8 and 13


@BOTH_DATABASES
def test_two_raters_reconcile_and_finalise(app, client, auth, world):
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    auth.login(world.users["trainer"])
    response = auth.post("/fidelity/assessments/new", {
        "program_id": world.program_a.id, "scale": "imr_fidelity@3-24-05", "format": "group",
        "visit_date": "2026-03-02", "rater_ids": [trainer.id, admin.id], "note": "Observed the Monday group"})
    assert response.status_code == 302
    visit = db.session.scalar(select(Assessment))
    assert (visit.status, visit.scale_version, visit.team_id) == ("draft", "3-24-05", None)

    assert auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A, "submit")).status_code == 302
    auth.logout()
    auth.login(world.users["admin"])
    # Before submitting, the admin does not see the trainer's ratings.
    raters = client.get(f"/api/v1/assessments/{visit.id}/ratings").get_json()["raters"]
    assert {r["email"]: r["ratings"] is None for r in raters} == {trainer.email: True, admin.email: False}
    assert auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(TRAINER_B, "submit")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, visit.id).status == "submitted"

    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    assert re.search(r'data-figure="exact">77%', page)  # 10 of 13 items alike
    assert re.search(r'data-figure="within-one">100%', page)
    assert "data-differing>3, 8, 13<" in page
    agreement = client.get(f"/api/v1/assessments/{visit.id}/agreement").get_json()["agreement"]
    assert (agreement["exact"], agreement["within_one"], agreement["items_compared"]) == (10, 13, 13)
    # MS items 379/156, MS raters 1/26, MS error 19/156 (exact fractions) -> ICC(2,1) = 10/11.
    assert agreement["icc"] == pytest.approx(10 / 11)

    # Where the raters agreed, consensus is filled in already; the three differences are decided here.
    assert consensus_rows(visit) == {n: v for n, v in enumerate(GROUP_A, start=1) if n not in (3, 8, 13)}
    response = auth.post(f"/fidelity/assessments/{visit.id}/consensus",
                         {"choice_3": "5", "choice_8": "5", "choice_13": "2", "note_13": "Agreed after review",
                          "action": "finalize"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{visit.id}/report")
    db.session.expire_all()
    visit = db.session.get(Assessment, visit.id)
    assert visit.status == "final" and visit.band == "high" and visit.finalized_at is not None
    assert visit.summary_score == pytest.approx(54 / 13)

    report = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-score">4.2</div>' in report
    assert '<span id="summary-sum">54</span> (possible 13-65)' in report
    assert '<div class="figure" id="summary-band">High fidelity</div>' in report
    assert re.findall(r'<li data-item="(\d+)">', report) == ["5", "11", "12", "13"]  # needs work: under 4
    assert "Agreed after review" in report


@BOTH_DATABASES
def test_final_is_read_only_and_amendments_record_who_when_why(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_final(world.program_a, GROUP_A, raters=[trainer])
    auth.login(world.users["trainer"])
    base = f"/api/v1/assessments/{visit.id}"
    response = client.post(f"{base}/ratings", json={"ratings": [{"item": 1, "value": 5}]}, headers=auth.headers())
    assert response.status_code == 400 and "final and read-only" in response.get_json()["error"]["problems"][0]
    response = client.post(f"{base}/consensus", json={"ratings": [{"item": 1, "value": 5}]}, headers=auth.headers())
    assert response.status_code == 400
    response = auth.post(f"/fidelity/assessments/{visit.id}/amend", {"item": "12", "choice": "4", "reason": " "})
    assert response.status_code == 400 and "Say why the rating is amended." in response.get_data(as_text=True)
    assert consensus_rows(visit)[12] == 2 and db.session.scalars(select(Amendment)).all() == []

    response = auth.post(f"/fidelity/assessments/{visit.id}/amend",
                         {"item": "12", "choice": "4", "reason": "Relapse plans found in the charts afterwards"})
    assert response.status_code == 302
    db.session.expire_all()
    visit = db.session.get(Assessment, visit.id)
    assert visit.summary_score == pytest.approx(56 / 13) and visit.status == "final"
    [amendment] = db.session.scalars(select(Amendment)).all()
    assert (amendment.item_number, amendment.old_value, amendment.new_value) == (12, "2", "4")
    assert amendment.actor == trainer.email and amendment.reason.startswith("Relapse plans")
    assert amendment.at is not None and amendment.old_summary == pytest.approx(54 / 13)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "amend"))
    assert (audit.entity_id, audit.field, audit.old_value, audit.new_value, audit.actor) == (
        visit.id, "item 12", "2", "4", trainer.email)
    report = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-score">4.3</div>' in report and "Relapse plans found" in report


def test_agreement_percentages_round_half_up_as_on_paper(app, client, auth, world):
    # IT-IS in a group: 16 items; the raters agree exactly on 2 (12.5%) and within one point on 6 (37.5%).
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    visit = make_visit(world.program_a, [trainer, admin], scale_key="it_is")
    rate(visit, trainer, {n: 3 for n in range(1, 17)})
    rate(visit, admin, {n: 3 if n <= 2 else 4 if n <= 6 else 5 for n in range(1, 17)})
    visit.status = "submitted"
    db.session.commit()
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    assert re.search(r'data-figure="exact">13%', page)  # '%.0f' showed 12%, rounding half to even
    assert re.search(r'data-figure="within-one">38%', page)
    visit_page = client.get(f"/fidelity/assessments/{visit.id}").get_data(as_text=True)
    assert "2 of 16 items exact (13%), 6 within one point (38%)" in visit_page
