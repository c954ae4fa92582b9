"""The team page reads its team in the signed-in user's statement (auth/subjects.py) and refuses exactly as before:
another agency's team, a team that does not exist and the largest id answer 404; a deactivated account is refused
at once; the page shows its team."""
from sqlalchemy import event, update

from extensions import db
from models import User
from security.parsing import ID_MAX
from tests.dashboards.scenario import WINDOW


def _sent(client, url):
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url, query_string=WINDOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, sent


def _reads_the_team(statement):
    return "team.program_id" in statement  # the team's own columns, as get_visible_or_404 reads them


def test_the_team_comes_with_the_user_and_the_page_shows_it(lite):
    world, team = lite.scenario.world, lite.scenario.group
    assert lite.auth.login(world.users["manager_a"]).status_code == 302
    response, sent = _sent(lite.client, f"/dashboards/teams/{team.id}")
    assert response.status_code == 200
    assert team.name in response.get_data(as_text=True)
    readers = [s for s in sent if _reads_the_team(s)]
    assert len(readers) == 1 and "app_user" in readers[0]  # one statement for both, not one each


def test_teams_the_user_may_not_see_or_that_do_not_exist_answer_404(lite):
    world = lite.scenario.world
    assert lite.auth.login(world.users["manager_a"]).status_code == 302
    for team_id in (world.team_b.id, 987654, ID_MAX):
        assert lite.client.get(f"/dashboards/teams/{team_id}").status_code == 404, team_id
    assert lite.client.get(f"/dashboards/teams/{ID_MAX + 1}").status_code == 404  # the URL's converter refuses it
    assert lite.client.get(f"/dashboards/teams/{lite.scenario.group.id}").status_code == 200


def test_a_clerk_is_refused_the_team_page_though_the_team_was_read(lite):
    assert lite.auth.login(lite.scenario.world.users["clerk_a"]).status_code == 302
    assert lite.client.get(f"/dashboards/teams/{lite.scenario.group.id}").status_code == 403


def test_an_account_deactivated_mid_session_is_refused_the_team_page_at_once(lite):
    world = lite.scenario.world
    assert lite.auth.login(world.users["manager_a"]).status_code == 302
    url = f"/dashboards/teams/{lite.scenario.group.id}"
    assert lite.client.get(url).status_code == 200
    db.session.execute(update(User).where(User.email == world.users["manager_a"]).values(active=False))
    db.session.commit()
    response = lite.client.get(url)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
