"""A trainer's ratings survive what an hour on site brings: a sign-in that ends while they rate, a connection that
drops as they press Save. What did not reach the service is kept on the device and put back, then saved."""
import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment, Rating
from fidelity.visits.kept import DEVICE_PREFIX
from tests.browser.conftest import sign_in, to_print
from tests.factories import build_world
from tests.fidelity.factories import GROUP_A, make_visit, rate, user
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
SETTLED = "() => document.getElementById('rating-form').dataset.pending === '0'"
KEPT = "(prefix) => Object.keys(localStorage).filter(k => k.startsWith(prefix))"


def _saved(app):
    with app.app_context():
        rows = {r.item_number: (r.value, r.note) for r in db.session.scalars(select(Rating))}
        db.session.remove()
    return rows


def _user_id(app, email):
    with app.app_context():
        found = user(email).id
        db.session.remove()
    return found


def _visit(app):
    with app.app_context():
        world = build_world()
        visit_id = make_visit(world.program_a, [user(world.users["trainer"])]).id
        db.session.remove()
    return world.users["trainer"], visit_id


def test_ratings_made_after_the_sign_in_ended_are_put_back_and_saved(live_app, live_server, page):
    email, visit_id = _visit(live_app)
    sign_in(page, live_server.url, email, PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/rate")
    page.check("input[name=choice_1][value='4']")
    page.locator("#item-1 .save-state", has_text="Saved.").wait_for()

    live_app.config["SESSION_IDLE_MINUTES"] = -1  # the trainer interviewed staff for 40 minutes
    page.fill("#note_2", "Handouts for 7 of 11 modules")
    page.check("input[name=choice_2][value='3']")
    page.wait_for_function(SETTLED)
    assert "Kept on this device" in page.locator("#item-2 .save-state").inner_text()
    live_app.config["SESSION_IDLE_MINUTES"] = 30

    page.get_by_role("button", name="Save draft").click()  # the sign-in page, then back to this visit
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/fidelity/assessments/{visit_id}/rate")
    assert page.locator("input[name=choice_2][value='3']").is_checked()
    assert page.locator("#note_2").input_value() == "Handouts for 7 of 11 modules"
    assert "put back" in page.locator("#kept-notice").inner_text()
    page.wait_for_function(SETTLED)
    assert _saved(live_app) == {1: (4, None), 2: (3, "Handouts for 7 of 11 modules")}
    page.fill("#note_3", "x" * 5001)  # refused: the words say why, with no promise of saving it later
    page.locator("#note_3").blur()
    page.wait_for_function(SETTLED)
    assert page.locator("#item-3 .save-state").inner_text() == \
        "Not saved: Nothing was saved. Item 3: the note is longer than 5000 characters."
    page.fill("#note_3", "")
    page.locator("#note_3").blur()
    page.wait_for_function(SETTLED)

    page.reload()  # saved now: nothing more to put back
    assert not page.locator("#kept-notice").is_visible()


def test_a_connection_lost_at_save_loses_nothing(live_app, live_server, page):
    email, visit_id = _visit(live_app)
    sign_in(page, live_server.url, email, PASSWORD)
    url = f"{live_server.url}/fidelity/assessments/{visit_id}/rate"
    page.goto(url)
    page.context.set_offline(True)
    page.check("input[name=choice_5][value='2']")
    page.fill("#note_5", "No relapse plans in the charts read")
    page.wait_for_function(SETTLED)
    assert page.locator("#item-5 .save-state").inner_text().startswith("Not saved yet: no connection")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(lambda url: url.startswith("chrome-error:"))  # the browser's own "no connection" page
    page.context.set_offline(False)
    page.goto(url)
    assert page.locator("input[name=choice_5][value='2']").is_checked()
    assert page.locator("#note_5").input_value() == "No relapse plans in the charts read"
    page.wait_for_function(SETTLED)
    assert _saved(live_app) == {5: (2, "No relapse plans in the charts read")}


def test_the_rating_page_prints_as_a_score_sheet_with_every_note_whole(live_app, live_server, page):
    """Printed blank it is the paper score sheet (a box to write in per item); printed filled in, no note is cut
    at its box's fourth line as a printed text box is."""
    email, visit_id = _visit(live_app)
    sign_in(page, live_server.url, email, PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/rate")
    long_note = "\n".join(f"Line {n}: session log and charts read for this item." for n in range(1, 16))
    page.fill("#note_4", long_note)
    page.check("input[name=choice_4][value='4']")
    page.wait_for_function(SETTLED)
    page.reload()
    page.set_viewport_size({"width": 700, "height": 900})  # A4's printable width
    to_print(page)
    assert not page.locator("#note_4").is_visible()
    written = page.locator("#item-4 .written-note")
    assert written.inner_text() == long_note
    assert written.evaluate("e => e.scrollHeight <= e.clientHeight")  # whole, not cut
    blank = page.locator("#item-5 .written-note")
    assert blank.is_visible() and blank.bounding_box()["height"] >= 80  # room to write by hand
    assert not page.get_by_text("Not rated yet").first.is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= 700")


def test_the_back_button_and_an_older_tab_put_no_old_rating_back(live_app, live_server, page):
    email, visit_id = _visit(live_app)
    sign_in(page, live_server.url, email, PASSWORD)
    url = f"{live_server.url}/fidelity/assessments/{visit_id}/rate"
    page.goto(url)
    older_tab = page.context.new_page()
    older_tab.goto(url)
    page.check("input[name=choice_1][value='4']")
    page.wait_for_function(SETTLED)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    page.check("input[name=choice_1][value='2']")
    page.wait_for_function(SETTLED)
    page.go_back()  # the page as it was before "Save draft"
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert _saved(live_app)[1] == (2, None)
    older_tab.check("input[name=choice_3][value='5']")  # opened before all of it: only its own change counts
    older_tab.get_by_role("button", name="Save draft").click()
    older_tab.wait_for_load_state()
    assert {n: v for n, (v, _) in _saved(live_app).items() if v} == {1: 2, 3: 5}


def _rate_elsewhere(app, visit_id, item, value):
    """The trainer's rating of `item` changed from another device meanwhile."""
    with app.app_context():
        rater = db.session.get(Assessment, visit_id).raters[0]
        db.session.add(Rating(rater_id=rater.id, item_number=item, value=value))
        db.session.commit()
        db.session.remove()


def test_a_kept_change_never_overwrites_a_rating_changed_on_another_device_since(live_app, live_server, page):
    email, visit_id = _visit(live_app)
    sign_in(page, live_server.url, email, PASSWORD)
    url = f"{live_server.url}/fidelity/assessments/{visit_id}/rate"
    page.goto(url)
    page.context.set_offline(True)  # an old laptop on site: nothing reaches the service
    page.check("input[name=choice_2][value='3']")
    page.fill("#note_2", "Handouts for 7 of 11 modules")
    page.check("input[name=choice_5][value='2']")
    page.wait_for_function(SETTLED)
    page.context.set_offline(False)
    _rate_elsewhere(live_app, visit_id, 2, 5)  # the trainer rated item 2 on the office computer since

    page.goto(url)  # the laptop opens the visit again
    page.wait_for_function(SETTLED)
    assert page.locator("input[name=choice_2][value='5']").is_checked()  # the service's rating, not overwritten
    assert page.locator("#note_2").input_value() == ""
    assert _saved(live_app) == {2: (5, None), 5: (2, None)}  # item 5, unchanged elsewhere, is put back and saved
    notice = page.locator("#kept-notice").inner_text()
    assert "Item 5 had changes" in notice and "nothing is saved over it" in notice
    assert "Item 2 changed on the service since; this device kept 3, note: \u201cHandouts for 7 of 11 modules\u201d" \
        in notice

    page.reload()  # still offered until the trainer decides
    page.locator("[data-kept-item='2']").get_by_role("button", name="Put this back and save it").click()
    page.wait_for_function(SETTLED)
    assert _saved(live_app) == {2: (3, "Handouts for 7 of 11 modules"), 5: (2, None)}
    page.reload()
    assert not page.locator("#kept-notice").is_visible()


def test_signing_out_removes_the_ratings_kept_on_this_device(live_app, live_server, page):
    email, visit_id = _visit(live_app)
    sign_in(page, live_server.url, email, PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/rate")
    assert "kept on this device until it is saved or you sign out" in page.locator("main").inner_text()
    page.context.set_offline(True)
    page.fill("#note_4", "Client J. said the relapse plan is in the drawer")
    page.locator("#note_4").blur()
    page.wait_for_function(SETTLED)
    page.context.set_offline(False)
    page.evaluate("() => localStorage.setItem('other-setting', 'kept')")
    assert page.evaluate("(prefix) => Object.keys(localStorage).some(k => k.startsWith(prefix))", DEVICE_PREFIX)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    assert page.evaluate("() => Object.keys(localStorage)") == ["other-setting"]


def test_a_note_saved_with_spaces_at_either_end_is_not_put_back_as_unsaved(live_app, live_server, page):
    """The service stores a note trimmed; the page shows it back so. A copy kept on the device with the spaces is
    that same note, not work that did not reach the service."""
    email, visit_id = _visit(live_app)
    sign_in(page, live_server.url, email, PASSWORD)
    url = f"{live_server.url}/fidelity/assessments/{visit_id}/rate"
    page.goto(url)
    page.context.set_offline(True)  # the note waits on the device, with its spaces
    page.fill("#note_2", "  Handouts for 7 of 11 modules ")
    page.locator("#note_2").blur()
    page.wait_for_function(SETTLED)
    assert page.evaluate(KEPT, DEVICE_PREFIX) == [f"{DEVICE_PREFIX}{_user_id(live_app, email)}:{visit_id}"]
    page.context.set_offline(False)
    page.get_by_role("button", name="Save draft").click()  # the form saves it, trimmed
    page.get_by_text("Draft saved.").wait_for()
    page.wait_for_function(SETTLED)
    assert _saved(live_app)[2] == (None, "Handouts for 7 of 11 modules")
    assert page.locator("#note_2").input_value() == "Handouts for 7 of 11 modules"
    assert not page.locator("#kept-notice").is_visible()  # no "did not reach the service"
    assert page.evaluate(KEPT, DEVICE_PREFIX) == []
    page.reload()
    assert not page.locator("#kept-notice").is_visible()
    assert page.locator("#item-2 .save-state").inner_text() == ""


def test_ratings_handed_in_leave_no_copy_on_the_device(live_app, live_server, page):
    """A change still kept on the device when the trainer submits goes with the form; once the ratings are
    handed in the copy is of no more use, and its notes must not wait on the computer for a sign-out."""
    email, visit_id = _visit(live_app)
    with live_app.app_context():
        rate(db.session.get(Assessment, visit_id), user(email), dict(enumerate(GROUP_A[:12], start=1)),
             submitted=False)
        db.session.remove()
    sign_in(page, live_server.url, email, PASSWORD)
    page.goto(f"{live_server.url}/fidelity/assessments/{visit_id}/rate")
    page.context.set_offline(True)
    page.check("input[name=choice_13][value='2']")
    page.fill("#note_13", "Client J. keeps the medication chart at home")
    page.locator("#note_13").blur()
    page.wait_for_function(SETTLED)
    assert page.evaluate(KEPT, DEVICE_PREFIX) != []  # not saved yet: kept
    page.context.set_offline(False)
    page.get_by_role("button", name="Submit my ratings").click()
    page.get_by_text("Your ratings are submitted.").wait_for()
    assert _saved(live_app)[13] == (2, "Client J. keeps the medication chart at home")
    assert page.evaluate(KEPT, DEVICE_PREFIX) == []
