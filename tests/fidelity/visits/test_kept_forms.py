"""Without JavaScript, a rating or consensus form sent after the sign-in ended is kept for its trainer and put back
after signing in (fidelity/visits/kept.py), unless what it shows has changed since: an older form put back would
undo, on Save, what was changed after it (a rating cleared, ratings submitted, the other trainer's consensus)."""
from sqlalchemy import select

from extensions import db
from fidelity.models import ConsensusRating, KeptRatingForm
from tests.fidelity.factories import GROUP_A, make_submitted, make_visit, rate, saved_ratings, user
from tests.fidelity.visits.test_kept_work import _form_of, _rate_page
from tests.helpers import Auth, csrf_token_in, words

PUT_BACK = "back in the form as you sent them"


def _send_after_sign_in_ended(app, client, url, changes):
    """Open the page, write for longer than the idle limit, then send it: the sign-in ends with that request."""
    page = client.get(url).get_data(as_text=True)
    app.config["SESSION_IDLE_MINUTES"] = -1
    response = client.post(url, data={**_form_of(page), "csrf_token": csrf_token_in(page), **changes,
                                      "action": "save"})
    app.config["SESSION_IDLE_MINUTES"] = 30
    return response


def _in_consensus(world):
    group_a = dict(enumerate(GROUP_A, start=1))
    return make_submitted(world.program_a, {user(world.users["trainer"]): group_a,
                                            user(world.users["admin"]): {**group_a, 3: 2, 5: 4}})


def _consensus_values(visit):
    db.session.expire_all()
    return {c.item_number: c.value for c in db.session.scalars(
        select(ConsensusRating).where(ConsensusRating.assessment_id == visit.id))}


def test_a_consensus_form_sent_after_the_sign_in_ended_is_put_back_after_signing_in(app, client, auth, world):
    visit = _in_consensus(world)
    url = f"/fidelity/assessments/{visit.id}/consensus"
    auth.login(world.users["trainer"])
    response = _send_after_sign_in_ended(app, client, url, {"choice_3": "4", "note_3": "handouts for 5 of 9 topics",
                                                             "recommendations": "Smaller groups"})
    assert response.status_code == 302 and response.location.endswith(f"/sign-in?next={url}")
    assert "your consensus changes were not saved. They are kept for you for 8 hours" in words(client.get("/sign-in"))
    assert 3 not in _consensus_values(visit) and visit.recommendations is None
    auth.login(world.users["trainer"])
    page = client.get(url).get_data(as_text=True)
    assert PUT_BACK in page and "nothing is saved until you press Save" in page
    assert '<option value="4" selected>' in page.split('id="choice_3"')[1].split("</select>")[0]
    assert 'value="handouts for 5 of 9 topics"' in page and "Smaller groups</textarea>" in page
    assert 3 not in _consensus_values(visit)
    fields = {**_form_of(page), "choice_3": "4", "note_3": "handouts for 5 of 9 topics",
              "recommendations": "Smaller groups", "action": "save"}
    assert auth.post(url, fields).status_code == 302
    assert _consensus_values(visit)[3] == 4 and visit.recommendations == "Smaller groups"
    assert PUT_BACK not in client.get(url).get_data(as_text=True)  # saved: nothing kept any more


def test_a_consensus_form_from_another_site_is_not_kept(app, client, auth, world):
    visit = _in_consensus(world)
    auth.login(world.users["trainer"])
    client.get(f"/fidelity/assessments/{visit.id}/consensus")
    app.config["SESSION_IDLE_MINUTES"] = -1
    client.post(f"/fidelity/assessments/{visit.id}/consensus", data={"csrf_token": "forged", "choice_3": "1"})
    assert db.session.scalars(select(KeptRatingForm)).all() == []


def test_a_kept_consensus_form_older_than_the_other_trainers_save_is_not_offered(app, client, auth, world):
    visit = _in_consensus(world)
    url = f"/fidelity/assessments/{visit.id}/consensus"
    auth.login(world.users["trainer"])
    _send_after_sign_in_ended(app, client, url, {"choice_3": "4"})
    other = app.test_client()
    other_auth = Auth(other)
    other_auth.login(world.users["admin"])
    page = other.get(url).get_data(as_text=True)
    assert other_auth.post(url, {**_form_of(page), "recommendations": "Weekly goal review"}).status_code == 302
    auth.login(world.users["trainer"])
    assert PUT_BACK not in client.get(url).get_data(as_text=True)


def test_a_kept_rating_form_is_not_offered_on_the_consensus_page_nor_the_other_way(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer])
    auth.login(world.users["trainer"])
    _send_after_sign_in_ended(app, client, f"/fidelity/assessments/{visit.id}/rate", {"choice_1": "4"})
    [row] = db.session.scalars(select(KeptRatingForm)).all()
    row.page = "consensus"  # as if kept from the consensus page
    db.session.commit()
    auth.login(world.users["trainer"])
    assert PUT_BACK not in _rate_page(client, visit)


def test_a_kept_rating_form_older_than_a_cleared_rating_is_not_offered(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    client.post(f"/api/v1/assessments/{visit.id}/ratings", headers=auth.headers(),
                json={"ratings": [{"item": 1, "value": 5}]})
    _send_after_sign_in_ended(app, client, f"/fidelity/assessments/{visit.id}/rate", {"choice_2": "2"})
    auth.login(world.users["trainer"])
    client.post(f"/api/v1/assessments/{visit.id}/ratings", headers=auth.headers(),  # on the phone, signed in
                json={"ratings": [{"item": 1, "value": None}]})
    assert saved_ratings() == {}
    assert PUT_BACK not in _rate_page(client, visit)  # Save would have put the cleared 5 back


def test_a_kept_rating_form_older_than_a_submission_is_not_offered_after_withdrawing(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer, user(world.users["admin"])])
    rate(visit, trainer, dict(enumerate(GROUP_A, start=1)), submitted=False)
    auth.login(world.users["trainer"])
    _send_after_sign_in_ended(app, client, f"/fidelity/assessments/{visit.id}/rate", {"choice_12": "4"})
    auth.login(world.users["trainer"])
    headers = auth.headers()
    assert client.post(f"/api/v1/assessments/{visit.id}/submit", headers=headers).status_code == 200
    assert client.post(f"/api/v1/assessments/{visit.id}/withdraw", headers=headers).status_code == 200
    assert PUT_BACK not in _rate_page(client, visit)  # the ratings handed in since are what the page shows
