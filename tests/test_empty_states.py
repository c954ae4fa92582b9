"""An empty list says what to do next, as the person reading it can do it."""
from sqlalchemy import select

from extensions import db
from models import Team
from tests.helpers import Auth, words


def test_empty_lists_say_what_to_do_next(app, client, auth, world):
    with app.app_context():
        caseload = db.session.scalar(select(Team.id).where(Team.name == "Alpha caseload"))  # no participants
    auth.login(world.users["clerk_a"])
    assert "No imports yet. Upload a workbook above: it is checked first" in words(client.get("/imports/"))
    assert "No notifications. Reminders of fidelity visits due" in words(client.get("/notifications"))
    assert "No participants yet: they come from a roster import ( Imports )." in words(client.get(f"/teams/{caseload}"))
    trainer = Auth(app.test_client())  # no upload of agency sheets: no link to follow
    trainer.login(world.users["trainer"])
    assert "No participants yet: they come from a roster import." in words(trainer.client.get(f"/teams/{caseload}"))
