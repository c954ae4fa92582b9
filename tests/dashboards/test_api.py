"""The engagement API returns the hand-worked numbers of the scenario, on SQLite and PostgreSQL."""
import pytest

from scoring.stats import one_way_anova
from tests.dashboards.scenario import WINDOW


def _get(client, auth, world, url, who="manager_a", **params):
    """GET as `who`, signing in on the first call."""
    if auth.token is None:
        assert auth.login(world.users[who]).status_code == 302
    return client.get(url, query_string=params)


def test_program_numbers(client, auth, scenario):
    world = scenario.world
    data = _get(client, auth, world, f"/api/v1/programs/{world.program_a.id}/engagement", **WINDOW).get_json()
    assert data["scope"]["from"] == "2026-01-01" and data["scope"]["to"] == "2026-03-31"
    assert data["scope"]["program"]["name"] == "Alpha IMR" and data["scope"]["agency"]["code"] == "AAA"
    s = data["summary"]
    assert (s["listed"], s["counted"], s["engaged"], s["pct_engaged"], s["any_participation"], s["pct_any"]) == \
        (8, 7, 3, 100 * 3 / 7, 6, 100 * 6 / 7)  # full precision: the page rounds, the data does not
    group, caseload = (next(t for t in data["teams"] if t["name"] == name)
                       for name in ("Alpha group", "Alpha caseload"))
    assert (group["counted"], group["engaged"], group["pct_engaged"], group["pct_any"]) == (5, 2, 40.0, 80.0)
    assert (group["mean_attended"], group["sd_attended"], group["mean_modules"], group["median_days_to_first"]) == \
        (2.0, pytest.approx(2.5 ** 0.5, rel=1e-12), 0.6, 28)
    assert (caseload["counted"], caseload["engaged"], caseload["pct_engaged"], caseload["suppressed"]) == \
        (2, 1, None, True)
    people = {p["client_code"]: p for p in data["participants"]}
    assert (people["A001"]["offered"], people["A001"]["attended"], people["A001"]["exposure_pct"],
            people["A001"]["engaged"]) == (4, 2, 50.0, False)  # exactly half, one excused: not engaged
    assert (people["A003"]["offered"], people["A003"]["attended"], people["A003"]["engaged"]) == (4, 0, False)
    assert (people["A002"]["modules_completed"], people["A000"]["modules_completed"]) == (1, 2)
    assert people["A004"]["days_to_first"] == 49
    assert (people["I003"]["offered"], people["I003"]["engaged"], people["I003"]["exposure_pct"]) == (0, None, None)
    assert people["I001"]["offered"] == 4  # their own sessions only, not the group's
    expected = one_way_anova([[4, 2, 3, 0, 1], [3, 1]])
    sessions = data["comparison"][0]
    assert (sessions["f"], sessions["df_between"], sessions["df_within"]) == (expected.f, 1, 5)
    assert sessions["p"] == expected.p and "no larger than chance" in sessions["sentence"]
    modules = data["comparison"][1]  # caseload modules: I001 completes module 1 (3 of 4), I002 none (1 of 2)
    expected = one_way_anova([[2, 0, 1, 0, 0], [1, 0]])
    assert (modules["f"], modules["p"]) == (expected.f, expected.p)  # 0.0193..., 0.8949...: not rounded
    assert [t["month"] for t in data["trend"]] == ["2026-01", "2026-02", "2026-03"]
    february = data["trend"][1]
    # February: the group, and I001 whose one February session was missed
    assert (february["counted"], february["engaged"], february["fidelity_visits"]) == (6, 2, ["2026-02-10"])
    assert data["trend"][0]["pct_engaged"] is None  # January: only the caseload's 2 people
    assert data["fidelity_visits"] == [{"visit_date": "2026-02-10", "summary_score": 3.6, "band": "moderate",
                                        "team": "Whole program"},
                                       {"visit_date": "2026-03-05", "summary_score": 5.0, "band": "high",
                                        "team": "Alpha group"}]  # each visit named by its unit
    modules = {m["team"]: m for m in data["modules_delivered"]}
    assert modules["Alpha group"]["sessions"][:3] == [2, 2, 0] and modules["Alpha group"]["modules"] == 2
    assert data["empty"] is None


def test_days_to_first_session_says_its_n_and_who_is_still_waiting(client, auth, scenario):
    """8 listed = 6 who attended a first session + A003 offered 4 and attended none + I003 offered nothing yet."""
    data = _get(client, auth, scenario.world, f"/api/v1/programs/{scenario.world.program_a.id}/engagement",
                **WINDOW).get_json()
    s = data["summary"]
    assert (s["listed"], s["counted"], s["n_days_to_first"], s["n_not_yet_attended"]) == (8, 7, 6, 1)
    # I003 started 5 Jan with no referral date: waiting 85 days at the window's end (31 Mar), not in percentages
    assert s["waiting_first_session"] == {"n": 1, "longest_wait_days": 85}
    teams = {t["name"]: t for t in data["teams"]}
    assert teams["Alpha group"]["waiting_first_session"] == {"n": 0, "longest_wait_days": None}
    assert teams["Alpha caseload"]["waiting_first_session"]["n"] == 1


def test_follow_up_list_says_when_each_last_attended_and_sessions_missed_since(client, auth, scenario):
    data = _get(client, auth, scenario.world, f"/api/v1/teams/{scenario.group.id}/engagement", **WINDOW).get_json()
    follow = {p["client_code"]: (p["last_attended"], p["missed_in_a_row"]) for p in data["under_the_line"]}
    # A001 attended 2 Feb, excused 9 Feb, attended 16 Feb, no row for 23 Feb; A003 no rows; A004 excused x3, 23 Feb
    assert follow == {"A001": ("2026-02-16", 1), "A003": (None, 4), "A004": ("2026-02-23", 0)}


def test_small_team_shows_counts_but_no_percentages(client, auth, scenario):
    data = _get(client, auth, scenario.world, f"/api/v1/teams/{scenario.caseload.id}/engagement", **WINDOW).get_json()
    s = data["summary"]
    assert (s["counted"], s["engaged"], s["any_participation"]) == (2, 1, 2)
    assert s["pct_engaged"] is None and s["pct_any"] is None and s["suppressed"] is True
    assert all(p["exposure_pct"] is None for p in data["participants"])
    assert [p["client_code"] for p in data["under_the_line"]] == ["I002"]


def test_overview_ranks_programs_with_latest_fidelity(client, auth, scenario):
    data = _get(client, auth, scenario.world, "/api/v1/engagement/programs", who="trainer", **WINDOW).get_json()
    alpha, beta = data["programs"]
    assert (alpha["name"], alpha["rank"], alpha["counted"], alpha["pct_engaged"]) == ("Alpha IMR", 1, 7, 100 * 3 / 7)
    assert (alpha["fidelity_band"], alpha["fidelity_score"], alpha["fidelity_visit"]) == ("moderate", 3.6, "2026-02-10")
    assert (beta["name"], beta["rank"], beta["counted"], beta["pct_engaged"]) == ("Beta IMR", None, 3, None)
    assert [(a["code"], a["counted"]) for a in data["agencies"]] == [("AAA", 7), ("BBB", 3)]
    group_only = _get(client, auth, scenario.world, "/api/v1/engagement/programs", who="trainer", format="group",
                      **WINDOW).get_json()
    assert group_only["programs"][0]["counted"] == 5


@pytest.mark.parametrize("who, filters, teams", [
    ("trainer", {}, ["Alpha caseload", "Alpha group", "Beta group"]),
    ("trainer", {"agency": "b"}, ["Beta group"]),
    ("trainer", {"program": "a"}, ["Alpha caseload", "Alpha group"]),
    ("manager_a", {}, ["Alpha caseload", "Alpha group"]),  # another agency's teams are not theirs to see
])
def test_overview_freshness_covers_the_teams_of_the_programs_shown(client, auth, scenario, who, filters, teams):
    world = scenario.world
    ids = {"agency": {"b": world.agency_b.id}, "program": {"a": world.program_a.id, "b": world.program_b.id}}
    params = {key: ids[key][value] for key, value in filters.items()}
    data = _get(client, auth, world, "/api/v1/engagement/programs", who=who, **params, **WINDOW).get_json()
    assert [t["name"] for t in data["freshness"]["teams"]] == teams
    assert {p["name"] for p in data["programs"]} == {f"{t.split()[0]} IMR" for t in teams}


@pytest.mark.parametrize("params, words", [
    ({"from": "2026-05-01", "to": "2026-04-01"}, "after it ends on 1 Apr 2026"),
    ({"from": "yesterday"}, "The 'from' date 'yesterday' is not a date"),
    ({"format": "hybrid"}, "The format 'hybrid' is not known"),
])
def test_bad_input_is_a_400_with_words(client, auth, scenario, params, words):
    response = _get(client, auth, scenario.world, f"/api/v1/programs/{scenario.world.program_a.id}/engagement",
                    **params)
    assert response.status_code == 400 and words in response.get_json()["error"]["message"]


def test_window_without_sessions_says_why(client, auth, scenario):
    data = _get(client, auth, scenario.world, f"/api/v1/programs/{scenario.world.program_a.id}/engagement",
                **{"from": "2010-01-01", "to": "2010-12-31"}).get_json()
    assert data["summary"]["counted"] == 0
    assert data["empty"].startswith("No IMR sessions were recorded for this program from 1 Jan 2010 to 31 Dec 2010")
