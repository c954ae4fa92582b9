"""A button pressed twice (a double click, or Send again after a slow answer) sends the same form twice: the second
must neither double nor change anything, and must not answer with an error for work the first one did."""
from sqlalchemy import func, select

from extensions import db
from fidelity.models import Assessment, Rating
from tests.fidelity.factories import GROUP_A, make_submitted, make_visit, rating_form, user


def test_submit_my_ratings_sent_twice_is_submitted_once(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"]), user(world.users["admin"])])
    auth.login(world.users["trainer"])
    form = rating_form(GROUP_A, "submit")
    client.get(auth.post(f"/fidelity/assessments/{visit.id}/rate", form).location)  # shown: its message read
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", form)
    assert response.status_code == 302 and response.location.endswith(f"/fidelity/assessments/{visit.id}")
    assert "Your ratings are submitted." in client.get(response.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 13
    changed = {**form, "choice_1": "2"}  # not the same form: refused as before, nothing changed
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", changed)
    assert response.status_code == 400 and "submitted and can no longer change" in response.get_data(as_text=True)


def test_save_and_finalise_sent_twice_shows_the_report(app, client, auth, world):
    visit = make_submitted(world.program_a, {user(world.users["trainer"]): dict(enumerate(GROUP_A, start=1))})
    auth.login(world.users["trainer"])
    form = {f"choice_{n}": str(v) for n, v in enumerate(GROUP_A, start=1)} | {"note_13": "Agreed", "action": "finalize"}
    url = f"/fidelity/assessments/{visit.id}/consensus"
    client.get(auth.post(url, form).location)
    response = auth.post(url, form)
    assert response.status_code == 302 and response.location.endswith(f"/fidelity/assessments/{visit.id}/report")
    assert "The assessment is final." in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assessment, visit.id).status == "final"
    response = auth.post(url, {**form, "choice_1": "5"})  # a change after finalising is an amendment
    assert response.status_code == 400 and "record an amendment" in response.get_data(as_text=True)
