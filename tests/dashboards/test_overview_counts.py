"""The state overview keeps each team's numbers per window (dashboards/overview_counts.py): the next page reads
them, a change to a team's data puts that team's numbers (only its) out of date, and every filter and window
still shows what the one statement over the attendance computes. On SQLite and PostgreSQL."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from dashboards import overview_counts, queries
from dashboards.models import OverviewCounts, TeamDataChange
from extensions import db
from models import Participant, Session
from scoring.engagement import Window
from tests.dashboards.scenario import WINDOW
from tests.factories import make_attendance

K = OverviewCounts.__table__
JAN_TO_MAR = Window(date(2026, 1, 1), date(2026, 3, 31))


def _overview(client, auth, world, who="trainer", **params):
    if auth.token is None:
        assert auth.login(world.users[who]).status_code == 302
    response = client.get("/api/v1/engagement/programs", query_string={**WINDOW, **params})
    assert response.status_code == 200
    return {p["name"]: p for p in response.get_json()["programs"]}


def _kept(team_id):
    """[(counted, engaged)] kept for the team, each at the team's current version."""
    rows = db.session.execute(select(K.c.version, K.c.counted, K.c.engaged).where(K.c.team_id == team_id)).all()
    assert all(version == _version(team_id) for version, *_ in rows)
    return [tuple(numbers) for _, *numbers in rows]


def _version(team_id):
    return db.session.scalar(select(TeamDataChange.version).where(TeamDataChange.team_id == team_id))


def test_the_first_overview_keeps_each_teams_numbers_and_the_next_reads_them(client, auth, scenario):
    world = scenario.world
    first = _overview(client, auth, world)
    assert (first["Alpha IMR"]["counted"], first["Alpha IMR"]["engaged"]) == (7, 3)
    assert _kept(scenario.group.id) == [(5, 2)] and _kept(scenario.caseload.id) == [(2, 1)]
    assert _kept(world.team_b.id) == [(3, 0)]
    # The next page sums what was kept: a kept number changed by hand is what it shows.
    db.session.execute(update(OverviewCounts).where(OverviewCounts.team_id == world.team_b.id).values(counted=30))
    db.session.commit()
    assert _overview(client, auth, world)["Beta IMR"]["counted"] == 30


def test_a_change_to_one_team_shows_on_the_next_overview_and_leaves_the_others_kept(client, auth, scenario):
    world = scenario.world
    assert _overview(client, auth, world)["Alpha IMR"]["engaged"] == 3  # 3 of 7 engaged
    group_version, beta_version = _version(scenario.group.id), _version(world.team_b.id)
    beta_before = db.session.scalar(select(OverviewCounts.computed_on).where(OverviewCounts.team_id == world.team_b.id))
    # A003 was offered the group's 4 sessions and has no attendance row: an edit marks 3 of them attended.
    sessions = db.session.scalars(select(Session).where(Session.team_id == scenario.group.id)
                                  .order_by(Session.session_date)).all()
    a003 = db.session.get(Participant, scenario.codes["A003"])
    for session in sessions[:3]:
        make_attendance(session, a003)
    db.session.commit()
    assert _version(scenario.group.id) == group_version + 1
    after = _overview(client, auth, world)
    assert (after["Alpha IMR"]["counted"], after["Alpha IMR"]["engaged"]) == (7, 4)
    assert after["Alpha IMR"]["pct_engaged"] == 100 * 4 / 7
    assert _kept(scenario.group.id) == [(5, 3)]
    # Beta's team did not change: its row was neither put out of date nor written again.
    assert _version(world.team_b.id) == beta_version
    assert _kept(world.team_b.id) == [(3, 0)]
    assert db.session.scalar(select(OverviewCounts.computed_on).where(OverviewCounts.team_id == world.team_b.id)) \
        == beta_before


@pytest.mark.parametrize("few_teams", [1, 10**6])  # teams looked up by team, or the whole scope at once
@pytest.mark.parametrize("who, filters", [
    ("trainer", {}), ("trainer", {"format": "group"}), ("trainer", {"format": "individual"}),
    ("trainer", {"agency": "b"}), ("trainer", {"program": "a"}), ("manager_a", {}),
])
def test_every_filter_and_window_shows_what_the_one_statement_computes(client, auth, scenario, monkeypatch,
                                                                       few_teams, who, filters):
    monkeypatch.setattr(overview_counts, "BY_TEAM_ONE_IN", few_teams)
    world = scenario.world
    ids = {"agency": {"b": world.agency_b.id}, "program": {"a": world.program_a.id}, "format": {}}
    params = {key: ids[key].get(value, value) for key, value in filters.items()}
    agency_ids = {world.agency_a.id} if who == "manager_a" else None
    if "agency" in params:
        agency_ids = {params["agency"]}
    windows = [JAN_TO_MAR, Window(date(2026, 1, 15), date(2026, 2, 10)),  # cutting months at both ends
               Window(date(2026, 2, 3), date(2026, 2, 20)), Window(date(2025, 1, 1), date(2025, 12, 31))]
    for window in windows * 2:  # computed and kept, then read back
        shown = _overview(client, auth, world, who, **{**params, "from": window.start.isoformat(),
                                                        "to": window.end.isoformat()})
        condition = queries.participant_filter(fmt=params.get("format"), agency_ids=agency_ids,
                                               program_id=params.get("program"))
        expected = queries.program_counts(condition, window, 0.5)
        programs = {world.program_a.id: "Alpha IMR", world.program_b.id: "Beta IMR"}
        got = {pid: (p["counted"], p["engaged"], p["any_participation"])
               for pid, name in programs.items() if (p := shown.get(name)) and p["counted"]}
        assert got == {pid: numbers[:3] for pid, numbers in expected.items()}, (filters, window)
    # One kept row per team, window and format, whichever filter chose the team.
    keys = db.session.execute(select(K.c.team_id, K.c.window_start, K.c.format, func.count())
                              .group_by(K.c.team_id, K.c.window_start, K.c.window_end, K.c.format)).all()
    assert keys and all(count == 1 for *_, count in keys)


def test_a_failure_to_keep_the_numbers_still_shows_them_and_keeps_nothing(client, auth, scenario, monkeypatch,
                                                                         caplog):
    def refused(*args, **kwargs):
        raise OperationalError("DELETE FROM overview_counts", {}, Exception("database is locked"))
    monkeypatch.setattr(overview_counts, "delete", refused)
    shown = _overview(client, auth, scenario.world)
    assert (shown["Alpha IMR"]["counted"], shown["Alpha IMR"]["engaged"], shown["Beta IMR"]["counted"]) == (7, 3, 3)
    assert "Could not keep the state overview's numbers of 3 teams" in caplog.text
    assert db.session.scalar(select(func.count()).select_from(K)) == 0  # the upsert went back with the delete


def test_an_older_version_never_overwrites_a_newer_one_and_old_windows_go(app, scenario):
    team = scenario.world.team_b.id
    key = {"window_start": date(2026, 1, 1), "window_end": date(2026, 3, 31), "threshold": 0.5, "format": ""}
    overview_counts.keep(key, {team: (5, (3, 3, 3, 9))})
    overview_counts.keep(key, {team: (4, (1, 0, 0, 0))})  # a slower page that read the version before a change
    assert db.session.execute(select(K.c.version, K.c.counted)).all() == [(5, 3)]
    overview_counts.keep(key, {team: (6, (2, 1, 1, 4))})
    assert db.session.execute(select(K.c.version, K.c.counted)).all() == [(6, 2)]
    old = {**key, "window_start": date(2025, 1, 1)}
    overview_counts.keep(old, {team: (6, (1, 1, 1, 1))})
    week = {**key, "window_start": date(2025, 2, 1)}
    overview_counts.keep(week, {team: (6, (1, 1, 1, 1))})
    today = db.session.scalar(select(K.c.computed_on).where(K.c.window_start == date(2025, 1, 1)))
    db.session.execute(update(OverviewCounts).where(OverviewCounts.window_start == date(2025, 1, 1))
                       .values(computed_on=today - timedelta(days=overview_counts.KEPT_DAYS + 1)))
    db.session.execute(update(OverviewCounts).where(OverviewCounts.window_start == date(2025, 2, 1))
                       .values(computed_on=today - timedelta(days=overview_counts.KEPT_DAYS)))
    db.session.commit()
    overview_counts.keep({**key, "format": "group"}, {team: (6, (2, 1, 1, 4))})
    assert sorted(db.session.scalars(select(K.c.window_start).distinct())) == [date(2025, 2, 1), date(2026, 1, 1)]


def test_the_daily_job_keeps_the_default_window_so_the_first_overview_of_the_day_reads_them(client, auth, scenario):
    from dashboards.windows import default_window
    from scheduling import jobs
    from scheduling.models import SchedulerRun
    today = date(2026, 3, 31)
    jobs.daily(client.application, today)
    run = db.session.scalar(select(SchedulerRun))
    assert run.outcome == "ok" and "overview: programs with numbers 2" in run.summary
    window = default_window(today)
    kept = db.session.execute(select(K.c.team_id, K.c.counted).where(
        K.c.window_start == window.start, K.c.window_end == window.end, K.c.format == "")).all()
    world = scenario.world
    assert sorted(kept) == sorted([(scenario.group.id, 5), (scenario.caseload.id, 2), (world.team_b.id, 3)])
    db.session.execute(update(OverviewCounts).where(OverviewCounts.team_id == world.team_b.id).values(counted=30))
    db.session.commit()
    shown = _overview(client, auth, world, **{"from": window.start.isoformat(), "to": window.end.isoformat()})
    assert shown["Beta IMR"]["counted"] == 30  # read from what the job kept, not computed again


def test_a_change_committed_while_a_page_computes_is_shown_by_the_next_page(client, auth, scenario, monkeypatch):
    """The page reads the versions, then computes: an edit committed after it computed is kept under the version
    before the edit, so the next page computes that team again instead of showing numbers from before it."""
    world = scenario.world
    sessions = db.session.scalars(select(Session).where(Session.team_id == scenario.group.id)
                                  .order_by(Session.session_date)).all()
    a003 = scenario.codes["A003"]
    compute = overview_counts.queries.team_counts

    def compute_then_edit(*args, **kwargs):
        monkeypatch.setattr(overview_counts.queries, "team_counts", compute)  # once
        numbers = compute(*args, **kwargs)
        from flask import current_app
        with current_app.app_context():  # another writer's session, committed before this page keeps its numbers
            person = db.session.get(Participant, a003)
            for session in sessions[:3]:
                make_attendance(db.session.merge(session), person)
            db.session.commit()
        return numbers
    monkeypatch.setattr(overview_counts.queries, "team_counts", compute_then_edit)
    assert _overview(client, auth, world)["Alpha IMR"]["engaged"] == 3  # computed before the edit
    assert _overview(client, auth, world)["Alpha IMR"]["engaged"] == 4  # the next page: after it
    assert _kept(scenario.group.id) == [(5, 3)]
