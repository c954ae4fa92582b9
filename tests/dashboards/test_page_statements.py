"""The program and team pages send the same few statements whatever their number of participants: no statement
carries a list of participants or a condition per person (each such shape was compiled anew on every request)."""
from datetime import date

from extensions import db
from tests.dashboards.scenario import WINDOW
from tests.factories import make_attendance, make_participant, make_session
from tests.helpers import statements_sent


def _pages(lite):
    world, team = lite.scenario.world, lite.scenario.group
    texts = {}
    for url in (f"/dashboards/programs/{world.program_a.id}", f"/dashboards/teams/{team.id}",
                f"/api/v1/programs/{world.program_a.id}/engagement"):
        with statements_sent() as sent:
            response = lite.client.get(url, query_string=WINDOW)
        assert response.status_code == 200, url
        texts[url] = sent
    return texts


def test_statements_do_not_grow_with_the_participants(lite):
    assert lite.auth.login(lite.scenario.world.users["manager_a"]).status_code == 302
    before = _pages(lite)
    team = lite.scenario.group
    session = make_session(team, date(2026, 3, 2), module=3)
    for i in range(30):  # a team six times as large, everyone offered and attending a session
        make_attendance(session, make_participant(team, f"N{i:03d}", start=date(2026, 1, 5)))
    db.session.commit()
    after = _pages(lite)
    for url, sent in after.items():
        assert sent == before[url], url  # the same statements, word for word
        assert len(sent) <= 14, (url, len(sent))
    body = lite.client.get(f"/dashboards/teams/{team.id}", query_string=WINDOW).get_data(as_text=True)
    assert "N029" in body  # the new participants are on the page
