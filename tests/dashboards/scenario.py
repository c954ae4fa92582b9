"""A small engagement scenario on top of the two-agency world, with numbers worked out by hand.

Window 2026-01-01 to 2026-03-31. Alpha IMR (agency AAA):
- Alpha group (group, 5 people, start 5 Jan, no referral dates): sessions 2, 9 Feb (module 1), 16, 23 Feb (module 2).
    A000 attends all 4 (100%, modules 2); A001 2 + 1 excused (exactly 50%: not engaged, modules 0);
    A002 3 + 1 absent (75%, modules 1); A003 has no attendance rows (0%); A004 1 + 3 excused (25%).
    -> counted 5, engaged 2 (40%), any 4 (80%), sessions mean 2.0 SD 1.6, modules mean 0.6,
       days to first: 28, 28, 28, 49 -> median 28.
- Alpha caseload (individual, 3 people): I001 3 of 4 own sessions, I002 1 of 2 (50%), I003 none offered.
    -> counted 2: fewer than 5, so counts only.
- Program: counted 7, engaged 3 (42.9%), any participation 6 (85.7%).
Fidelity: final IMR Fidelity visits 2025-06-01 (4.3 high) and 2026-02-10 (3.6 moderate); a later draft and a
final IT-IS visit that the dashboards must ignore.
Beta IMR (agency BBB): 3 participants, one session, nobody attended.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from extensions import db
from fidelity.models import Assessment
from models import Participant, Session, Team
from tests.factories import build_world, make_attendance, make_participant, make_session

FROM, TO = "2026-01-01", "2026-03-31"
WINDOW = {"from": FROM, "to": TO}


@dataclass
class Scenario:
    world: object
    group: Team
    caseload: Team
    codes: dict  # client code -> participant id


def _visit(program, day, score, band, status="final", scale="imr_fidelity", team=None):
    from fidelity.visits.imported import current_version
    db.session.add(Assessment(program_id=program.id, team_id=team.id if team else None, scale_key=scale,
                              scale_version=current_version(scale),
                              format="group",
                              visit_date=day, status=status, summary_score=score, band=band))


def build_scenario():
    world = build_world()
    group, caseload = world.team_a, next(t for t in world.program_a.teams if t.format == "individual")
    people = {p.client_code: p
              for p in db.session.scalars(db.select(Participant).where(Participant.team_id == group.id))}
    for code in ("A003", "A004"):
        people[code] = make_participant(group, code)
    first = db.session.scalars(db.select(Session).where(Session.team_id == group.id)).one()  # the world's 2 Feb
    sessions = [first, make_session(group, date(2026, 2, 9)), make_session(group, date(2026, 2, 16), module=2),
                make_session(group, date(2026, 2, 23), module=2)]
    pattern = {"A000": "aaaa", "A001": "aea-", "A002": "aaab", "A003": "----", "A004": "eeea"}
    status = {"a": "attended", "e": "excused", "b": "absent"}
    for code, marks in pattern.items():
        for session, mark in zip(sessions, marks):
            if mark != "-":
                make_attendance(session, people[code], status[mark])
    for code, marks in (("I001", "aaab"), ("I002", "ab"), ("I003", "")):
        person = make_participant(caseload, code, format="individual")
        people[code] = person
        for i, mark in enumerate(marks):
            session = make_session(caseload, date(2026, 1, 12) + timedelta(days=7 * i), participant=person)
            make_attendance(session, person, status[mark])
    _visit(world.program_a, date(2025, 6, 1), 4.3, "high")
    _visit(world.program_a, date(2026, 2, 10), 3.6, "moderate")
    _visit(world.program_a, date(2026, 3, 1), 2.0, "low", status="draft")
    _visit(world.program_a, date(2026, 3, 2), 1.5, "unsatisfactory", scale="it_is")
    # A later visit of one team is that team's score, not the program's: the overview keeps the 3.6.
    _visit(world.program_a, date(2026, 3, 5), 5.0, "high", team=world.team_a)
    db.session.commit()
    return Scenario(world, group, caseload, {code: p.id for code, p in people.items()})


def add_programs(agency, n):
    """n more programs of one group team of 5 (start 5 Jan, four weekly sessions from 2 Feb), program i's
    people attending so that i % 6 of them are engaged (over 2 of 4 sessions): a state's long ranking."""
    from tests.factories import make_program, make_team
    programs = []
    for i in range(n):
        program = make_program(agency, f"Ranked IMR {i:02d}")
        team = make_team(program, f"Ranked group {i:02d}")
        people = [make_participant(team, f"R{i:02d}P{p}") for p in range(5)]
        for week in range(4):
            session = make_session(team, date(2026, 2, 2) + timedelta(days=7 * week))
            for p, person in enumerate(people):
                if p < i % 6 or week < 2:  # the first i % 6 attend all four; the others two of four (50%: not engaged)
                    make_attendance(session, person)
        programs.append(program)
    db.session.commit()
    return programs
