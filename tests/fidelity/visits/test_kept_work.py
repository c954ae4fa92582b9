"""A trainer's work on the rating and consensus forms is never lost: a form sent with an expired security token
is shown again as it was sent, nothing saved, and a form loaded before someone else's save changes only what this
trainer changed, naming what the other one changed meanwhile."""
from sqlalchemy import select

from extensions import db
from fidelity.models import ConsensusRating, Rating
from tests.fidelity.factories import GROUP_A, make_visit, rate, user
from tests.helpers import csrf_token_in


def _rate_page(client, visit):
    return client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True)


def test_a_rating_form_sent_with_an_expired_token_comes_back_filled_in(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    old_token = csrf_token_in(_rate_page(client, visit))
    auth.logout()
    auth.login(world.users["trainer"])  # signed in again in another tab: a new session, a new token
    note = "Groups of 6-8 <b>seen</b> in the log"
    response = client.post(f"/fidelity/assessments/{visit.id}/rate",
                           data={"csrf_token": old_token, "choice_1": "4", "note_1": note, "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nothing was saved" in page and "press Save again" in page
    assert "Groups of 6-8 &lt;b&gt;seen&lt;/b&gt; in the log</textarea>" in page  # as sent, escaped
    assert 'name="choice_1" value="4" checked' in page
    assert csrf_token_in(page) == auth.token  # the form now carries the current token: saving works
    assert db.session.scalars(select(Rating)).all() == []


def test_an_expired_token_elsewhere_still_gets_the_plain_page(app, client, auth, world):
    auth.login(world.users["trainer"])
    response = client.post("/sign-out", data={"csrf_token": "stale"})
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)


def test_a_consensus_form_sent_with_an_expired_token_comes_back_filled_in(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer])
    rate(visit, trainer, dict(enumerate(GROUP_A, start=1)))
    visit.status = "submitted"
    db.session.commit()
    auth.login(world.users["trainer"])
    old_token = csrf_token_in(client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True))
    auth.logout()
    auth.login(world.users["trainer"])
    response = client.post(f"/fidelity/assessments/{visit.id}/consensus", data={
        "csrf_token": old_token, "choice_1": "3", "recommendations": "Smaller groups", "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "nothing was saved" in page
    assert "Smaller groups</textarea>" in page
    assert db.session.scalars(select(ConsensusRating).where(ConsensusRating.item_number == 1)).all() == []


def test_an_ended_sign_in_with_an_expired_token_shows_nothing_of_the_visit(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    old_token = csrf_token_in(_rate_page(client, visit))
    auth.logout()
    auth.login(world.users["trainer"])
    app.config["SESSION_IDLE_MINUTES"] = -1  # the new sign-in has been idle too long as well
    response = client.post(f"/fidelity/assessments/{visit.id}/rate",
                           data={"csrf_token": old_token, "note_1": "secret evidence", "action": "save"})
    assert response.status_code == 302 and "/sign-in?next=" in response.location  # not the page as sent
    assert "secret evidence" not in response.get_data(as_text=True)


def test_a_rating_form_sent_after_signing_out_asks_to_sign_in_and_comes_back(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    old_token = csrf_token_in(_rate_page(client, visit))
    auth.logout()
    response = client.post(f"/fidelity/assessments/{visit.id}/rate", data={"csrf_token": old_token, "choice_1": "4"})
    assert response.status_code == 302
    assert response.location.endswith(f"/sign-in?next=/fidelity/assessments/{visit.id}/rate")
