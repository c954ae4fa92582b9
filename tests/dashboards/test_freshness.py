"""Data as of: when each team's data last changed, its newest session, and teams with no recent sessions uploaded."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from dashboards.freshness import programs_freshness_json
from extensions import db
from models import Participant, Program
from tests.dashboards.scenario import WINDOW
from tests.factories import make_session, make_team


def _login(client, auth, world, who="manager_a"):
    if auth.token is None:
        assert auth.login(world.users[who]).status_code == 302


def test_team_without_recent_sessions_is_marked(client, auth, scenario):
    world = scenario.world
    recent = date.today() - timedelta(days=3)
    make_session(scenario.group, recent)
    db.session.commit()
    _login(client, auth, world)
    data = client.get(f"/api/v1/programs/{world.program_a.id}/engagement", query_string=WINDOW).get_json()
    fresh = data["freshness"]
    assert fresh["stale_days"] == 14 and fresh["latest_session"] == recent.isoformat()
    assert fresh["teams_without_recent_sessions"] == ["Alpha caseload"]  # newest session 2 Feb: 10 months ago
    teams = {t["name"]: t for t in data["teams"]}
    assert (teams["Alpha group"]["no_recent_sessions"], teams["Alpha caseload"]["no_recent_sessions"]) == (False, True)
    assert teams["Alpha caseload"]["latest_session"] == "2026-02-02"
    changed = datetime.fromisoformat(fresh["changed_at"])  # ISO in UTC with its offset, as every API time
    assert changed.utcoffset() == timedelta(0) and abs(datetime.now(timezone.utc) - changed) < timedelta(minutes=5)
    assert "No recent sessions uploaded for 1 of 2 teams (Alpha caseload): none in the last 14 days" in fresh["text"]
    state = client.get("/api/v1/engagement/programs", query_string=WINDOW).get_json()["freshness"]
    assert {t["name"]: t["latest_session"] for t in state["teams"]} == {"Alpha group": recent.isoformat(),
                                                                        "Alpha caseload": "2026-02-02"}
    assert state["teams_without_recent_sessions"] == ["Alpha caseload"]
    team = client.get(f"/api/v1/teams/{scenario.group.id}/engagement", query_string=WINDOW).get_json()
    assert team["freshness"]["teams_without_recent_sessions"] == [] and "No recent" not in team["freshness"]["text"]


def test_an_edit_moves_data_as_of_and_the_stale_days_are_a_setting(lite):
    lite.app.config["DASHBOARD_STALE_DAYS"] = 400
    world = lite.scenario.world
    assert lite.auth.login(world.users["manager_a"]).status_code == 302
    url = f"/api/v1/teams/{lite.scenario.caseload.id}/engagement"
    before = lite.client.get(url, query_string=WINDOW).get_json()["freshness"]
    assert before["teams_without_recent_sessions"] == []  # 2 Feb is within 400 days
    person = db.session.get(Participant, lite.scenario.codes["I003"])
    person.referral_date = date(2025, 12, 1)
    db.session.commit()
    after = lite.client.get(url, query_string=WINDOW).get_json()
    assert after["freshness"]["changed_at"] > before["changed_at"]
    assert after["summary"]["waiting_first_session"] == {"n": 1, "longest_wait_days": 120}  # 1 Dec to 31 Mar


def test_every_dashboard_page_says_data_as_of(lite):
    world = lite.scenario.world
    assert lite.auth.login(world.users["trainer"]).status_code == 302
    for url in (f"/dashboards/programs/{world.program_a.id}", f"/dashboards/teams/{lite.scenario.group.id}",
                "/dashboards/state"):
        body = " ".join(lite.client.get(url, query_string=WINDOW).get_data(as_text=True).split())
        assert "Data as of: data last changed " in body and "newest session recorded 23 Feb 2026" in body, url
        assert "No recent sessions uploaded for" in body, url  # the scenario's sessions are from February
    empty = lite.client.get(f"/dashboards/programs/{world.program_a.id}",
                            query_string={"from": "2010-01-01", "to": "2010-12-31"}).get_data(as_text=True)
    assert "Data as of: data last changed " in empty and "No IMR sessions were recorded" in empty


def test_the_overview_page_block_says_what_the_teams_rows_say(scenario):
    """The page's block is summed by the database; the API's is summed from each team's row: the same block."""
    world = scenario.world
    make_session(scenario.group, date.today() - timedelta(days=3))
    for name in ("Beta 2", "Alpha 0", "beta 1"):  # no session at all: stale, listed by name with the others
        make_team(world.program_a, name=name)
    db.session.commit()
    for stale_days in (14, 400, 0):
        listed = programs_freshness_json(select(Program.id), stale_days)
        del listed["teams"]
        assert programs_freshness_json(select(Program.id), stale_days, per_team=False) == listed
    assert listed["teams_without_recent_sessions"][0] == "Alpha 0" and len(listed["teams_without_recent_sessions"]) > 4
    none = programs_freshness_json(select(Program.id).where(Program.id < 0), 14, per_team=False)
    assert (none["changed_at"], none["latest_session"], none["teams_without_recent_sessions"]) == (None, None, [])
