"""The consensus form survives a connection lost as the trainer presses Save: the page says it was not saved,
the work stays on this device, and opening the page again puts it back, to be saved once with Save. A copy on
the device is never another trainer's."""
import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment, ConsensusRating
from fidelity.visits.kept import DEVICE_PREFIX
from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.fidelity.factories import GROUP_A, make_submitted, user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
KEPT = "(prefix) => Object.keys(localStorage).filter(k => k.startsWith(prefix))"


def _visit(app):
    with app.app_context():
        world = build_world()
        visit_id = make_submitted(world.program_a, {user(world.users["trainer"]): dict(enumerate(GROUP_A, start=1))}).id
        db.session.remove()
    return world.users, visit_id


def _saved(app, visit_id):
    """The consensus ratings and notes on record, and the recommendations."""
    with app.app_context():
        rows = {c.item_number: (c.value, c.note) for c in db.session.scalars(select(ConsensusRating))
                if c.value or c.note}
        recommendations = db.session.get(Assessment, visit_id).recommendations
        db.session.remove()
    return rows, recommendations


def _work_offline(page, url):
    page.goto(url)
    page.context.set_offline(True)
    page.select_option("#choice_1", "4")
    page.fill("#note_1", "Groups of 6-8 in the session log")
    page.fill("#recommendations", "Teach relapse prevention plans in every group")
    page.get_by_role("button", name="Save consensus").click()


def _kept_while_offline(live_app, live_server, page):
    """A trainer's consensus work, saved while offline and so kept on the device; back online. (users, visit, url)"""
    users, visit_id = _visit(live_app)
    sign_in(page, live_server.url, users["trainer"], PASSWORD)
    url = f"{live_server.url}/fidelity/assessments/{visit_id}/consensus"
    _work_offline(page, url)
    page.locator("#consensus-status", has_text="Not saved").wait_for()
    page.context.set_offline(False)
    return users, visit_id, url


def test_a_connection_lost_at_save_loses_no_consensus_work(live_app, live_server, page):
    users, visit_id = _visit(live_app)
    sign_in(page, live_server.url, users["trainer"], PASSWORD)
    url = f"{live_server.url}/fidelity/assessments/{visit_id}/consensus"
    saves = []
    page.on("request", lambda request: saves.append(request.url) if request.method == "POST" else None)
    _work_offline(page, url)
    status = page.locator("#consensus-status", has_text="Not saved")
    status.wait_for()
    assert status.inner_text().startswith("Not saved: no connection to the service. Your changes are kept")
    assert page.url == url  # still the form, not the browser's "no connection" page

    page.context.set_offline(False)
    page.goto(url)  # later, with a connection: the work is back, nothing saved yet
    assert page.locator("#choice_1").input_value() == "4"
    assert page.locator("#note_1").input_value() == "Groups of 6-8 in the session log"
    assert page.locator("#recommendations").input_value() == "Teach relapse prevention plans in every group"
    assert "put back from this device" in page.locator("#kept-notice").inner_text()
    assert _saved(live_app, visit_id) == ({}, None)

    page.get_by_role("button", name="Save consensus").click()
    page.get_by_text("Consensus saved.").wait_for()
    assert _saved(live_app, visit_id) == ({1: (4, "Groups of 6-8 in the session log")},
                                          "Teach relapse prevention plans in every group")
    assert page.evaluate(KEPT, DEVICE_PREFIX) == []  # saved: nothing kept any more
    page.reload()
    assert not page.locator("#kept-notice").is_visible()
    assert saves == [url]  # sent once: the Save pressed offline never left the browser


def test_consensus_work_kept_on_a_shared_laptop_is_never_another_trainers(live_app, live_server, page):
    users, visit_id, url = _kept_while_offline(live_app, live_server, page)
    [key] = page.evaluate(KEPT, DEVICE_PREFIX)  # named for this trainer and visit, under the sign-out prefix
    assert key.endswith(f":{visit_id}:consensus")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    assert page.evaluate(KEPT, DEVICE_PREFIX) == []
    sign_in(page, live_server.url, users["admin"], PASSWORD)
    page.goto(url)
    assert page.locator("#choice_1").input_value() == ""
    assert page.locator("#note_1").input_value() == ""
    assert not page.locator("#kept-notice").is_visible()


def test_work_put_back_never_saves_over_the_other_trainers_change_unasked(live_app, live_server, page):
    users, visit_id, url = _kept_while_offline(live_app, live_server, page)
    with live_app.app_context():  # the other trainer recorded item 1 from the office meanwhile
        db.session.add(ConsensusRating(assessment_id=visit_id, item_number=1, value=2))
        db.session.commit()
        db.session.remove()

    page.goto(url)
    assert page.locator("#choice_1").input_value() == "4"  # this trainer's, put back, not saved yet
    page.get_by_role("button", name="Save consensus").click()
    # The save probes the service first, then sends: wait for the answer's words, not the old page's load state.
    page.get_by_text("changed elsewhere since you opened this page").first.wait_for()
    problems = page.locator("main").inner_text()
    assert "Item 1 (" in problems and "changed elsewhere since you opened this page" in problems  # nothing saved
    assert _saved(live_app, visit_id) == ({1: (2, None)}, None)
    page.get_by_role("button", name="Save consensus").click()  # again: this trainer keeps theirs
    page.get_by_text("Consensus saved.").wait_for()
    assert _saved(live_app, visit_id) == ({1: (4, "Groups of 6-8 in the session log")},
                                          "Teach relapse prevention plans in every group")


def test_a_note_saved_with_a_trailing_space_is_not_put_back_as_unsaved(live_app, live_server, page):
    users, visit_id = _visit(live_app)
    sign_in(page, live_server.url, users["trainer"], PASSWORD)
    url = f"{live_server.url}/fidelity/assessments/{visit_id}/consensus"
    page.goto(url)
    page.fill("#note_1", "Groups of 6-8 in the session log ")  # the service stores it trimmed
    page.get_by_role("button", name="Save consensus").click()
    page.get_by_text("Consensus saved.").wait_for()
    page.goto(url)
    assert page.locator("#note_1").input_value() == "Groups of 6-8 in the session log"
    assert not page.locator("#kept-notice").is_visible()
    assert page.evaluate(KEPT, DEVICE_PREFIX) == []


def test_finalising_leaves_no_copy_of_the_consensus_on_the_device(live_app, live_server, page):
    """Save and finalise puts the consensus on record and closes the form: the copy kept on the device as the
    trainer worked is of no more use, and its notes must not wait on the computer for a sign-out."""
    users, visit_id = _visit(live_app)
    sign_in(page, live_server.url, users["trainer"], PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/consensus")
    for number, value in enumerate(GROUP_A, start=1):
        page.select_option(f"#choice_{number}", str(value))
    page.fill("#note_5", "Client J. has no relapse plan in the chart")
    assert page.evaluate(KEPT, DEVICE_PREFIX) != []  # kept as the trainer works
    page.get_by_role("button", name="Save and finalise").click()
    page.get_by_text("The assessment is final.").wait_for()
    assert _saved(live_app, visit_id)[0][5] == (3, "Client J. has no relapse plan in the chart")
    assert page.evaluate(KEPT, DEVICE_PREFIX) == []


def test_a_finalise_refused_keeps_the_copy_on_the_device(live_app, live_server, page):
    """Refused (an item has no consensus): nothing is final, so the work stays kept until it is saved."""
    users, visit_id = _visit(live_app)
    sign_in(page, live_server.url, users["trainer"], PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/consensus")
    page.select_option("#choice_1", "4")
    page.get_by_role("button", name="Save and finalise").click()
    page.get_by_text("The assessment was not finalised").wait_for()
    page.goto(f"{live_server.url}/fidelity/")  # another page: the copy is not removed there either
    assert [key.rsplit(":", 2)[1:] for key in page.evaluate(KEPT, DEVICE_PREFIX)] == [[str(visit_id), "consensus"]]
