"""The evidence panel's SQL agrees with scoring/evidence.py on the demo data and at every anchor boundary."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.reports.evidence import Unit, unit_evidence
from fidelity.scales.definition import load_directory
from models import Attendance, Participant, Program, Session, Team
from scoring import evidence as ev
from scoring.engagement import Enrolment, SessionHeld
from tests.factories import make_attendance, make_participant, make_session, make_team
from tests.fidelity.factories import BOTH_DATABASES

SCALE = load_directory()[("imr_fidelity", "3-24-05")]


def pure_evidence(unit):
    """The same figures from plain records loaded whole, through the pure functions only."""
    people = [Enrolment(p.id, p.team_id, p.format, p.start_date, p.end_date) for p in db.session.scalars(
        select(Participant).where(Participant.team_id.in_(unit.team_ids)))]
    sessions = [SessionHeld(s.id, s.team_id, s.participant_id, s.session_date, s.module) for s in db.session.scalars(
        select(Session).where(Session.team_id.in_(unit.team_ids)))]
    by_id = {s.id: s for s in sessions}
    statuses = {}
    for a in db.session.scalars(select(Attendance).where(Attendance.session_id.in_(list(by_id)))):
        statuses.setdefault(a.participant_id, {})[a.session_id] = a.status
    window, visit = unit.window, unit.visit_date
    in_window = [s for s in sessions if window.start <= s.session_date <= window.end]
    sizes = {s.id: 1 if s.participant_id else sum(1 for st in statuses.values() if st.get(s.id) == "attended")
             for s in in_window}
    held = {}
    for s in in_window:
        if s.module is not None:
            held.setdefault(s.module, []).append(s.id)
    from org.goal_queries import goal_records
    goals = goal_records([p.id for p in people])
    crit = {i.number: i.evidence for i in SCALE.items if i.evidence}
    return [ev.session_size(1, crit[1], sizes),
            ev.program_length(2, crit[2], people, [s for s in sessions if s.session_date <= visit], window, visit),
            ev.topics_taught(3, crit[3], SCALE.topics, held),
            ev.goal_setting(6, crit[6], ev.attenders(statuses, by_id, window.start, window.end), goals, window),
            ev.goal_follow_up(7, crit[7], ev.attenders(statuses, by_id, visit - timedelta(days=30), visit), goals,
                              visit)]


@BOTH_DATABASES
def test_sql_agrees_with_the_pure_definitions_on_the_demo_data(app, demo):
    visit = date.today() - timedelta(days=20)
    units = [tuple(db.session.scalars(select(Team.id).where(Team.program_id == p.id)))
             for p in db.session.scalars(select(Program))]
    units += [(t,) for t in db.session.scalars(select(Team.id))]
    anchors = set()
    for team_ids in units:
        unit = Unit(team_ids, visit, ev.default_window(visit))
        sql = [figure for _, figure in unit_evidence(SCALE, "group", unit)]
        assert sql == pure_evidence(unit), team_ids
        anchors |= {(f.item, f.anchor) for f in sql}
    assert len({a for i, a in anchors if i == 2}) >= 2  # the demo shows contrasts, not one anchor everywhere


@pytest.mark.parametrize("size, anchor", [(8, 5), (9, 4), (10, 4), (11, 3), (12, 3), (13, 2), (15, 2), (16, 1)])
def test_sql_item_1_at_each_boundary(app, world, size, anchor):
    team = world.team_a
    people = [make_participant(team, f"Z{i:03d}") for i in range(size + 2)]
    big, small = make_session(team, date(2026, 3, 2)), make_session(team, date(2026, 3, 9), module=2)
    for p in people[:size]:
        make_attendance(big, p)
    for p in people[size:]:
        make_attendance(big, p, "absent")
        make_attendance(small, p)
    db.session.commit()
    unit = Unit((team.id,), date(2026, 3, 10), ev.default_window(date(2026, 3, 10)))
    sql = dict((item.number, f) for item, f in unit_evidence(SCALE, "group", unit))[1]
    assert (sql.value, sql.anchor, sql.rows) == (size, anchor, (big.id,))
    assert sql == pure_evidence(unit)[0]


@pytest.mark.parametrize("weeks, ends_after, received", [(24, None, True), (23, None, False), (24, 160, False)])
def test_sql_item_2_at_the_24_sessions_and_168_days_boundary(app, world, weeks, ends_after, received):
    """Weekly group sessions from the start: 25 sessions span 168 days, 24 span 161; ending early cuts them."""
    start = date(2025, 3, 3)
    team = make_team(world.program_a, "Boundary group")  # no other sessions than these
    person = make_participant(team, "Y001", start=start,
                              end=start + timedelta(days=ends_after) if ends_after else None)
    for n in range(weeks + 1):
        make_session(team, start + timedelta(weeks=n), module=n % 11 + 1)
    db.session.commit()
    visit = date(2026, 3, 2)
    unit = Unit((team.id,), visit, ev.default_window(visit))
    sql = dict((item.number, f) for item, f in unit_evidence(SCALE, "group", unit))[2]
    assert (person.id in sql.rows) == received
    assert sql == pure_evidence(unit)[1]
