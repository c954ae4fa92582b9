"""Recommendations: written with the consensus before finalising, printed in the report, fixed once final."""
from datetime import date

from extensions import db
from fidelity.models import Assessment
from tests.fidelity.factories import GROUP_A, make_visit, rate, user


def test_recommendations_are_written_before_finalising_and_reported(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer], visit_date=date(2026, 3, 2))
    rate(visit, trainer, dict(enumerate(GROUP_A, start=1)))
    db.session.get(Assessment, visit.id).status = "submitted"
    db.session.commit()
    auth.login(world.users["trainer"])
    consensus = {f"choice_{n}": str(v) for n, v in enumerate(GROUP_A, start=1)}
    text = "Hold groups of 8 or fewer.\nUse goal-tracking sheets every session."
    response = auth.post(f"/fidelity/assessments/{visit.id}/consensus",
                         {**consensus, "recommendations": "x" * 20001, "action": "finalize"})
    assert response.status_code == 400 and "keep them under 20000" in response.get_data(as_text=True)
    assert db.session.get(Assessment, visit.id).status == "submitted"
    response = auth.post(f"/fidelity/assessments/{visit.id}/consensus",
                         {**consensus, "recommendations": text, "action": "finalize"})
    assert response.status_code == 302
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    section = page.split('id="recommendations">')[1].split("</div>")[0]
    assert section == "<p>Hold groups of 8 or fewer.</p><p>Use goal-tracking sheets every session.</p>"
    data = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    assert data["recommendations"] == text
