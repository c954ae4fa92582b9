"""A trainer's work on the rating and consensus forms is never lost: a form sent with an expired security token
is shown again as it was sent, nothing saved, and a form loaded before someone else's save changes only what this
trainer changed, naming what the other one changed meanwhile."""
import html
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from extensions import db
from fidelity.models import ConsensusRating, KeptRatingForm, Rating
from fidelity.visits.kept import DEVICE_PREFIX
from tests.fidelity.factories import GROUP_A, make_submitted, make_visit, saved_ratings, user
from tests.helpers import Auth, csrf_token_in, words


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
    assert 'data-item="1" data-saved-choice="" data-saved-note=""' in page  # what the service holds, for the script
    assert db.session.scalars(select(Rating)).all() == []
    # The form now carries the current token: sent again, it saves. (Not compared with auth.token as text: a
    # token is stamped with the second it was made, so under load two good tokens differ.)
    response = client.post(f"/fidelity/assessments/{visit.id}/rate", data={**_form_of(page), "action": "save",
                                                                          "csrf_token": csrf_token_in(page)})
    assert response.status_code == 302 and saved_ratings() == {1: (4, note)}


def test_an_expired_token_elsewhere_still_gets_the_plain_page(app, client, auth, world):
    auth.login(world.users["trainer"])
    response = client.post("/sign-out", data={"csrf_token": "stale"})
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)


def test_a_consensus_form_sent_with_an_expired_token_comes_back_filled_in(app, client, auth, world):
    visit = make_submitted(world.program_a, {user(world.users["trainer"]): dict(enumerate(GROUP_A, start=1))})
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


def test_an_expired_token_tells_nothing_of_a_visit_the_user_may_not_rate_or_see(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["manager_a"])  # reads final reports; does not rate
    for page in ("rate", "consensus"):
        response = client.post(f"/fidelity/assessments/{visit.id}/{page}", data={"csrf_token": "stale"})
        assert response.status_code == 403, page
    auth.logout()
    auth.login(world.users["trainer"])
    for page in ("rate", "consensus"):
        response = client.post(f"/fidelity/assessments/{visit.id + 1}/{page}", data={"csrf_token": "stale"})
        assert response.status_code == 404, page


def test_a_rating_form_sent_after_signing_out_asks_to_sign_in_and_comes_back(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    old_token = csrf_token_in(_rate_page(client, visit))
    auth.logout()
    response = client.post(f"/fidelity/assessments/{visit.id}/rate", data={"csrf_token": old_token, "choice_1": "4"})
    assert response.status_code == 302
    assert response.location.endswith(f"/sign-in?next=/fidelity/assessments/{visit.id}/rate")


def test_a_rating_form_sent_after_the_sign_in_ended_is_put_back_after_signing_in(app, client, auth, world):
    """Without JavaScript: the form is kept for the trainer on the server and shown again, saved only on Save."""
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    page = _rate_page(client, visit)
    note = "Groups of 6-8 seen in the log"
    sent = {**_form_of(page), "csrf_token": csrf_token_in(page), "choice_1": "4", "note_1": note, "action": "save"}
    app.config["SESSION_IDLE_MINUTES"] = -1  # the trainer wrote for longer than the idle limit
    response = client.post(f"/fidelity/assessments/{visit.id}/rate", data=sent)
    assert response.status_code == 302 and response.location.endswith(f"/sign-in?next=/fidelity/assessments/{visit.id}/rate")
    app.config["SESSION_IDLE_MINUTES"] = 30
    assert "your ratings were not saved. They are kept for you for 8 hours" in words(client.get("/sign-in"))
    assert saved_ratings() == {}
    auth.login(world.users["trainer"])
    page = _rate_page(client, visit)
    assert "are back in the form as you sent them: nothing is saved until you press Save" in page
    assert 'name="choice_1" value="4" checked' in page and f"{note}</textarea>" in page
    assert saved_ratings() == {}
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", {**_form_of(page), "action": "save"})
    assert response.status_code == 302 and saved_ratings() == {1: (4, note)}
    assert "back in the form" not in _rate_page(client, visit)  # saved: nothing kept any more


def test_only_the_trainer_s_own_page_is_kept_and_only_for_a_few_hours(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    page = _rate_page(client, visit)
    app.config["SESSION_IDLE_MINUTES"] = -1
    # Another site's form (no token of this sign-in) is not kept: it could plant ratings for the trainer to save.
    client.post(f"/fidelity/assessments/{visit.id}/rate", data={"csrf_token": "forged", "choice_1": "1"})
    assert db.session.scalars(select(KeptRatingForm)).all() == []
    app.config["SESSION_IDLE_MINUTES"] = 30
    auth.login(world.users["trainer"])
    page = _rate_page(client, visit)
    app.config["SESSION_IDLE_MINUTES"] = -1
    client.post(f"/fidelity/assessments/{visit.id}/rate", data={"csrf_token": csrf_token_in(page), "choice_1": "2"})
    app.config["SESSION_IDLE_MINUTES"] = 30
    [row] = db.session.scalars(select(KeptRatingForm)).all()
    assert (row.fields, row.assessment_id) == ({"choice_1": "2"}, visit.id)
    auth.login(world.users["admin"])  # someone else at the same computer
    assert "back in the form" not in words(client.get(f"/fidelity/assessments/{visit.id}/rate"))
    row.kept_at -= timedelta(hours=8, minutes=1)
    db.session.commit()
    auth.logout()
    auth.login(world.users["trainer"])
    assert "back in the form" not in _rate_page(client, visit)  # kept 8 hours, no longer


def _form_of(page):
    """The fields a page's form would send as it is: the stamps and every choice and note shown."""
    fields = dict(re.findall(r'name="(was_\w+)" value="([^"]*)"', page))
    fields.update(re.findall(r'name="(choice_\d+)" value="([^"]*)" checked', page))
    notes = re.findall(r'name="note_(\d+)"[^>]*>([^<]*)</textarea>', page)
    fields.update({f"note_{n}": html.unescape(text) for n, text in notes})
    return fields


def test_a_page_opened_before_another_tab_saved_keeps_that_tabs_work(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    old_tab = _form_of(_rate_page(client, visit))
    client.post(f"/api/v1/assessments/{visit.id}/ratings", headers=auth.headers(),
                json={"ratings": [{"item": 1, "value": 5, "note": "from the new tab"}]})
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", {**old_tab, "choice_2": "3", "action": "save"})
    assert response.status_code == 302
    assert saved_ratings() == {1: (5, "from the new tab"), 2: (3, None)}  # item 1 untouched by the old tab


def test_the_same_item_changed_in_two_tabs_is_named_and_saved_only_when_confirmed(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    old_tab = _form_of(_rate_page(client, visit))
    client.post(f"/api/v1/assessments/{visit.id}/ratings", headers=auth.headers(),
                json={"ratings": [{"item": 1, "value": 5}]})
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate",
                         {**old_tab, "choice_1": "2", "choice_2": "3", "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Item 1 (Number of people in a session or group): changed elsewhere since you opened" in page
    assert saved_ratings() == {1: (5, None)}  # nothing of this form saved
    assert 'name="choice_1" value="2" checked' in page  # the trainer's own choice is on screen
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", {**_form_of(page), "action": "save"})
    assert response.status_code == 302 and saved_ratings() == {1: (2, None), 2: (3, None)}


def test_two_trainers_saving_the_consensus_keep_each_others_items(app, client, auth, world):
    group_a = dict(enumerate(GROUP_A, start=1))
    visit = make_submitted(world.program_a, {user(world.users["trainer"]): group_a,
                                             user(world.users["admin"]): {**group_a, 3: 2, 5: 4}})
    other = app.test_client()
    other_auth = Auth(other)
    other_auth.login(world.users["admin"])
    auth.login(world.users["trainer"])
    url = f"/fidelity/assessments/{visit.id}/consensus"
    mine, theirs = _form_of(client.get(url).get_data(as_text=True)), _form_of(other.get(url).get_data(as_text=True))
    assert other_auth.post(url, {**theirs, "choice_3": "4", "recommendations": "Smaller groups"}).status_code == 302
    assert auth.post(url, {**mine, "choice_5": "3", "recommendations": ""}).status_code == 302
    db.session.expire_all()
    assert {c.item_number: c.value for c in visit.consensus if c.item_number in (3, 5)} == {3: 4, 5: 3}
    assert visit.recommendations == "Smaller groups"
    response = auth.post(url, {**mine, "choice_3": "2"})  # the trainer's page still shows item 3 unrated
    assert response.status_code == 400 and "Item 3 (" in response.get_data(as_text=True)



def test_sign_out_clears_the_keys_the_rating_page_keeps_under(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    page = _rate_page(client, visit)
    clears = re.search(r'id="sign-out" data-clears="([^"]+)"', page).group(1)
    keep_key = re.search(r'data-keep-key="([^"]+)"', page).group(1)
    assert keep_key.startswith(clears) and clears == DEVICE_PREFIX  # one prefix, declared in fidelity/visits/kept.py
    sign_out = (Path(app.static_folder) / "js" / "sign-out.js").read_text()
    assert DEVICE_PREFIX not in sign_out and "dataset.clears" in sign_out  # read from the page, not spelled again


def _done_on_device(page):
    return re.search(r'id="sign-out" data-clears="[^"]+" data-done="([^"]*)"', page).group(1)


def test_the_page_after_a_finalise_or_hand_in_names_the_copy_on_the_device_to_remove_once(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_submitted(world.program_a, {trainer: dict(enumerate(GROUP_A, start=1))})
    auth.login(world.users["trainer"])
    url = f"/fidelity/assessments/{visit.id}/consensus"
    page = client.get(url).get_data(as_text=True)
    assert _done_on_device(page) == ""
    response = auth.post(url, {**_form_of(page), "action": "finalize",
                               **{f"choice_{n}": str(v) for n, v in enumerate(GROUP_A, start=1)}})
    assert response.status_code == 302
    report = client.get(response.location).get_data(as_text=True)
    assert "The assessment is final." in report
    assert _done_on_device(report) == f"{DEVICE_PREFIX}{trainer.id}:{visit.id}:consensus"  # sign-out.js removes it
    assert _done_on_device(client.get(response.location).get_data(as_text=True)) == ""  # once

    visit = make_visit(world.program_a, [trainer])
    form = {f"choice_{n}": str(v) for n, v in enumerate(GROUP_A, start=1)}
    for _ in range(2):  # the second sent again: the first handed them in
        response = auth.post(f"/fidelity/assessments/{visit.id}/rate", {**form, "action": "submit"})
        assert response.status_code == 302
        page = client.get(response.location).get_data(as_text=True)
        assert "Your ratings are submitted." in page
        assert _done_on_device(page) == f"{DEVICE_PREFIX}{trainer.id}:{visit.id}"
