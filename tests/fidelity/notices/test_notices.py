"""Workflow notices: added as a rater, all raters submitted, report final, an amendment; each once, in the app
and by email through the scheduler's mailer; the menu counts unread ones; opening one marks it read."""
import pytest
from sqlalchemy import func, select

from extensions import db
from fidelity.models import Assessment, Notice
from scheduling.models import Notification
from tests.fidelity.factories import BOTH_DATABASES, GROUP_A, rating_form, user
from tests.scheduling.conftest import use_smtp


@pytest.fixture
def smtp():
    from tests.scheduling.smtp_server import LocalSMTP
    server = LocalSMTP()
    yield server
    server.stop()


def _subjects(email):
    return [n.subject for n in db.session.scalars(select(Notification).join(Notification.user)
                                                  .where(Notification.user.has(email=email))
                                                  .order_by(Notification.id))]


@BOTH_DATABASES
def test_each_step_tells_the_right_people_once(app, client, auth, world, smtp):
    use_smtp(app, smtp.port)
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    auth.login(world.users["trainer"])
    auth.post("/fidelity/assessments/new", {"program_id": world.program_a.id, "scale": "imr_fidelity@3-24-05",
                                            "format": "group", "visit_date": "2026-03-02",
                                            "rater_ids": [trainer.id, admin.id]})
    visit = db.session.scalar(select(Assessment))
    unit = "Alpha IMR, 2 Mar 2026"
    assert _subjects(admin.email) == [f"You rate a fidelity visit: {unit}"]
    assert _subjects(trainer.email) == []  # the trainer added themselves
    auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A, "submit"))
    auth.post(f"/fidelity/assessments/{visit.id}/withdraw", {})
    auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A, "submit"))
    auth.logout()
    auth.login(world.users["admin"])
    auth.post(f"/fidelity/assessments/{visit.id}/rate", rating_form(GROUP_A, "submit"))
    assert _subjects(trainer.email) == [f"Ready for consensus: {unit}"]
    assert auth.post(f"/fidelity/assessments/{visit.id}/consensus", {"action": "finalize"}).status_code == 302
    auth.post(f"/fidelity/assessments/{visit.id}/consensus", {"action": "finalize"})  # a second press
    final = f"Fidelity report final: {unit}"
    assert _subjects(world.users["manager_a"]) == [final]
    assert _subjects(world.users["manager_b"]) == []  # another agency's manager hears nothing
    assert _subjects(trainer.email) == [f"Ready for consensus: {unit}", final]
    response = auth.post(f"/fidelity/assessments/{visit.id}/amend",
                         {"item": "12", "choice": "3", "reason": "Recount of the goal sheets"})
    assert response.status_code == 302
    assert _subjects(world.users["manager_a"]) == [final, f"Fidelity report amended: {unit}"]
    assert _subjects(admin.email)[-1] == final  # the admin made the amendment
    sent = sorted((m[1][0], m[2]["Subject"]) for m in smtp.messages)
    assert len(sent) == db.session.scalar(select(func.count()).select_from(Notice)) == 8
    assert ("manager@alpha.example", final) in sent
    assert set(db.session.scalars(select(Notice.email_status))) == {"sent"}


def test_unread_count_in_the_menu_and_opening_marks_read(app, client, auth, world):
    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    auth.login(world.users["admin"])
    auth.post("/fidelity/assessments/new", {"program_id": world.program_a.id, "scale": "imr_fidelity@3-24-05",
                                            "format": "group", "visit_date": "2026-03-02",
                                            "rater_ids": [trainer.id, admin.id]})
    auth.logout()
    auth.login(world.users["trainer"])
    page = client.get("/fidelity/").get_data(as_text=True)
    assert '<span class="count" aria-label="1 unread">1</span>' in page
    note = db.session.scalar(select(Notification))
    assert note.link == f"/notices/{note.id}/open"
    response = client.get(note.link)
    assert response.headers["Location"].endswith(f"/fidelity/assessments/{db.session.scalar(select(Assessment.id))}")
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None
    assert 'class="count"' not in client.get("/fidelity/").get_data(as_text=True)
    auth.logout()
    auth.login(world.users["manager_a"])
    assert client.get(note.link).status_code == 404  # someone else's notice


def test_the_menu_counts_unread_notices_of_a_user_signed_in_by_this_request(app, world):
    """The count is read with the user (auth.sessions.load_user); a user signed in during the request has it read
    when the menu is drawn."""
    from flask_login import login_user

    from fidelity.notices.views import unread_count
    trainer = user(world.users["trainer"])
    db.session.add_all([Notification(user_id=trainer.id, subject=s, body="b") for s in ("one", "two")])
    db.session.commit()
    with app.test_request_context("/"):
        login_user(trainer)
        assert unread_count() == {"unread_notifications": 2}
