"""The dashboards' goals panel: goal set by the 4th session attended, reviewed lately, small groups withheld."""
from datetime import date, timedelta

from extensions import db
from models import Goal, GoalReview
from scoring.goals import GoalRecord, goal_set_early
from tests.dashboards.page_text import embedded_figures, table_rows
from tests.factories import make_attendance, make_participant, make_session
from tests.helpers import Auth

MONDAYS = [date(2026, 3, 2) + timedelta(weeks=n) for n in range(5)]  # the 4th attended is 2026-03-23
WINDOW = {"from": "2026-01-01", "to": "2026-03-31"}


def _goal(person, set_on, reviewed=None):
    g = Goal(participant_id=person.id, reference="LT1", level="long_term", date_set=set_on,
             target_date=set_on + timedelta(days=180), status="active")
    db.session.add(g)
    db.session.flush()
    if reviewed:
        db.session.add(GoalReview(goal_id=g.id, review_date=reviewed))


def _build(world):
    sessions = [make_session(world.team_a, day, module=2) for day in MONDAYS]
    people = [make_participant(world.team_a, f"P{i}", start=date(2026, 2, 1)) for i in range(6)]
    for p in people:
        for s in sessions:
            make_attendance(s, p)
    late = make_participant(world.team_a, "P9", start=date(2026, 2, 1))
    for s in sessions[:3]:
        make_attendance(s, late)  # 3 sessions only: not counted for "goal by the 4th session"
    for i, p in enumerate(people):
        # P0-P2: goal set by the 4th session (on it, for P2); P3: a day later; P4, P5: none
        if i < 4:
            _goal(p, [MONDAYS[0], MONDAYS[1], MONDAYS[3], MONDAYS[3] + timedelta(days=1)][i],
                  reviewed=date(2026, 3, 20) if i < 2 else None)
    db.session.commit()
    return people


def test_goals_panel_on_the_team_dashboard(sqlite_app):
    from tests.factories import build_world
    world = build_world()
    _build(world)
    client = sqlite_app.test_client()
    auth = Auth(client)
    auth.login(world.users["manager_a"])
    body = client.get(f"/dashboards/teams/{world.team_a.id}", query_string=WINDOW).get_data(as_text=True)
    assert table_rows(body, "goals") == [["Alpha group", "6", "3", "50", "7", "2", "28.6"]]
    figure = embedded_figures(body)["goals"]
    assert [trace["y"] for trace in figure["data"]] == [[50.0], [200 / 7]]  # full precision in the data; the page rounds
    assert "Goal tracking" in body and "fewer than 5 such participants" in body
    program = client.get(f"/dashboards/programs/{world.program_a.id}", query_string=WINDOW).get_data(as_text=True)
    rows = {row[0]: row for row in table_rows(program, "goals")}
    assert rows["Alpha caseload"] == ["Alpha caseload", "0", "0", "—", "0", "0", "—"]  # nobody to count: no percentage
    assert rows["Whole program"][1:] == ["6", "3", "50", "7", "2", "28.6"]
    download = client.get(f"/dashboards/teams/{world.team_a.id}/download",
                          query_string={**WINDOW, "table": "goals", "file": "csv"})
    assert download.mimetype == "text/csv" and "goals.csv" in download.headers["Content-Disposition"]
    assert f'"Alpha group",6,3,50.0,7,2,{200 / 7!r}' in download.get_data(as_text=True)  # numbers stay numbers


def test_sql_fourth_session_agrees_with_the_pure_rule(sqlite_app):
    from dashboards.goals_panel import _nth_attended
    from tests.factories import build_world
    world = build_world()
    people = _build(world)
    from dashboards.page_queries import Scope
    from scoring.engagement import Window
    fourth = _nth_attended(Scope((world.team_a.id,), None, Window(date(2026, 1, 1), date(2026, 3, 31))))
    goals = {g.participant_id: [GoalRecord(g.id, g.participant_id, g.level, None, g.date_set, g.target_date,
                                           g.status)] for g in db.session.query(Goal)}
    for p in people:
        assert fourth[p.id] == MONDAYS[3]
        assert goal_set_early(MONDAYS, goals.get(p.id, [])) == (p.client_code in ("P0", "P1", "P2"))


def test_goal_records_carry_every_review_and_goals_never_reviewed(sqlite_app):
    """Goals and their reviews come in one statement (a row per review): each goal once, with all its dates."""
    from org.goal_queries import goal_records
    from tests.factories import build_world
    world = build_world()
    person, other = (make_participant(world.team_a, code, start=date(2026, 2, 1)) for code in ("R1", "R2"))
    _goal(person, MONDAYS[0], reviewed=date(2026, 3, 20))
    db.session.add(GoalReview(goal_id=db.session.query(Goal.id).filter_by(participant_id=person.id).scalar(),
                              review_date=date(2026, 3, 27)))
    _goal(other, MONDAYS[1])
    db.session.commit()
    records = {r.participant_id: r for r in goal_records([person.id, other.id])}
    assert len(records) == 2 and len(goal_records([person.id, other.id])) == 2
    assert sorted(records[person.id].reviews) == [date(2026, 3, 20), date(2026, 3, 27)]
    assert records[person.id].last_review == date(2026, 3, 27)
    assert records[other.id].reviews == () and records[other.id].last_review is None


def test_sql_goal_facts_agree_with_the_pure_rules(app):
    """The page reads each person's first long-term goal and whether a goal was reviewed in the period beside its
    participants (one statement): the same answers as scoring.goals' first_goal_day and reviewed_between over the
    records, so set_by answers on them as on the records."""
    from dashboards.goals_panel import findings
    from dashboards.page_queries import Scope
    from org.goal_queries import goal_records
    from scoring.engagement import Window
    from scoring.goals import first_goal_day, reviewed_between, set_by
    from tests.factories import build_world
    world = build_world()
    people = _build(world)
    extra = make_participant(world.team_a, "P8", start=date(2026, 2, 1))
    _goal(extra, MONDAYS[2], reviewed=date(2026, 2, 27))  # reviewed, but before the period
    _goal(people[4], date(2026, 4, 6))  # a long-term goal set after every deadline...
    parent = db.session.query(Goal).filter_by(participant_id=people[4].id).one()
    short = Goal(participant_id=people[4].id, reference="ST1", level="short_term", parent_id=parent.id,
                 date_set=MONDAYS[0], target_date=MONDAYS[0] + timedelta(days=30), status="active")
    db.session.add(short)  # ...and a short-term goal set early, which is no long-term goal
    db.session.flush()
    db.session.add(GoalReview(goal_id=short.id, review_date=date(2026, 3, 25)))
    db.session.commit()
    first = date(2026, 3, 2)
    found = findings(Scope((world.team_a.id,), None, Window(date(2026, 1, 1), date(2026, 3, 31))), first)
    records = {}
    for g in goal_records([p.id for p in people + [extra]]):
        records.setdefault(g.participant_id, []).append(g)
    for p in people + [extra]:
        goals = records.get(p.id, [])
        assert found.first_goal.get(p.id) == first_goal_day(goals)
        assert (p.id in found.reviewed) == any(reviewed_between(g, first, date(2026, 3, 31)) for g in goals)
    assert found.reviewed == {people[0].id, people[1].id, people[4].id}
    early = {p.client_code for p in people + [extra] if set_by(MONDAYS[3], found.first_goal.get(p.id))}
    assert early == {"P0", "P1", "P2", "P8"}  # by hand: P3's came a day late, P4's long-term goal in April
