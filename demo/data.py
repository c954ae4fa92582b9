"""Build the demo state: agencies, programs, teams, participants, a year of weekly sessions, attendance.

Deterministic for a seed and an anchor date, so tests can rely on it. Rows go in through SQLAlchemy
Core in a few statements (fast); the caller commits.
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select

from demo.fidelity import add_demo_fidelity
from demo.goals import add_demo_goals
from demo.scheduling import add_demo_policies
from demo.plan import (AGENCIES, DEMO_ACCOUNTS, DEMO_PASSWORD, END_REASONS, PARTICIPANTS_PER_TEAM,
                       PRACTITIONERS, PROGRAMS, SESSIONS_PER_MODULE)
import local_day
from models import Agency, Attendance, Participant, Practitioner, Program, Session, Team, User

YEAR = timedelta(days=364)


@dataclass
class DemoSummary:
    agencies: int = 0
    programs: int = 0
    teams: int = 0
    participants: int = 0
    sessions: int = 0
    attendance: int = 0
    goals: int = 0
    accounts: list = field(default_factory=list)
    team_ids: set = field(default_factory=set)


def module_sequence():
    """Modules in curriculum order, one entry per session, repeated as a program starts over."""
    one_pass = [m for m, n in SESSIONS_PER_MODULE.items() for _ in range(n)]
    while True:
        yield from one_pass


def _insert(session, model, rows):
    """Insert rows and return their ids in order (RETURNING works on SQLite and PostgreSQL)."""
    if not rows:
        return []
    result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


def _participant_rows(rng, agency_id, team_id, fmt, plan, first_day, today, codes):
    propensity, wait, dropout = plan
    rows, chances = [], []
    for _ in range(PARTICIPANTS_PER_TEAM[fmt]):
        referral = first_day - timedelta(days=60) + timedelta(days=rng.randint(0, 364 + 60 - 45))
        waited = int(rng.expovariate(1 / max(wait, 1)))
        start = min(referral + timedelta(days=waited), today - timedelta(days=14))
        referral = min(referral, start)
        end, reason = None, None
        if rng.random() < dropout:
            end = start + timedelta(days=rng.randint(14, 200))
            reason = rng.choice(END_REASONS)
        elif (today - start).days > 330 and rng.random() < 0.6:
            end, reason = start + timedelta(days=rng.randint(320, 360)), "Completed IMR"
        if end is not None and end >= today:
            end, reason = None, None
        code = f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{len(codes) + 1:05d}"
        codes.add(code)
        rows.append(dict(agency_id=agency_id, team_id=team_id, client_code=code, referral_date=referral,
                         start_date=start, end_date=end, end_reason=reason, format=fmt))
        # Each person differs from their team's mean; a few never come at all.
        chance = 0.0 if rng.random() < 0.06 else min(max(rng.gauss(propensity, 0.18), 0.02), 0.98)
        chances.append(chance)
    return rows, chances


def _status(rng, chance):
    if rng.random() < chance:
        return "attended"
    if rng.random() < 0.12:
        return None  # no row written: counted as offered and not attended
    return "excused" if rng.random() < 0.3 else "absent"


def build_demo_state(session, seed: int = 2026, today: date | None = None) -> DemoSummary:
    """Write the demo state into an empty database through `session`; the caller commits."""
    rng = random.Random(seed)
    today = today or local_day.today()
    first_day = today - YEAR
    summary = DemoSummary()

    agency_ids = dict(zip([a[0] for a in AGENCIES], _insert(session, Agency, [
        dict(code=c, name=n, kind=k, date_order=o) for c, n, k, o in AGENCIES])))
    practitioner_ids = {}
    for code, names in PRACTITIONERS.items():
        practitioner_ids[code] = _insert(session, Practitioner, [dict(agency_id=agency_ids[code], name=n)
                                                                 for n in names])
    codes = set()
    for agency_code, program_name, setting, target, teams in PROGRAMS:
        agency_id = agency_ids[agency_code]
        [program_id] = _insert(session, Program, [dict(agency_id=agency_id, name=program_name, setting=setting,
                                                       engagement_target=target)])
        summary.programs += 1
        for team_name, fmt, *plan in teams:
            [team_id] = _insert(session, Team, [dict(program_id=program_id, name=team_name, format=fmt)])
            summary.teams += 1
            summary.team_ids.add(team_id)
            people, chances = _participant_rows(rng, agency_id, team_id, fmt, plan, first_day, today, codes)
            people_ids = _insert(session, Participant, people)
            summary.participants += len(people)
            facilitators = practitioner_ids[agency_code]
            if fmt == "group":
                n_sessions, n_rows = _group_sessions(session, rng, team_id, facilitators, first_day, today,
                                                     list(zip(people_ids, people, chances)))
            else:
                n_sessions, n_rows = _individual_sessions(session, rng, team_id, facilitators, today,
                                                          list(zip(people_ids, people, chances)))
            summary.sessions += n_sessions
            summary.attendance += n_rows
    summary.agencies = len(agency_ids)
    summary.accounts = _demo_accounts(session, agency_ids)
    add_demo_fidelity(session, seed, today)
    summary.goals = add_demo_goals(session, seed, today)
    add_demo_policies(session)
    return summary


def _group_sessions(session, rng, team_id, facilitators, first_day, today, people):
    weekday_offset = rng.randint(0, 4)
    modules = module_sequence()
    day = first_day + timedelta(days=weekday_offset)
    rows = []
    while day <= today:
        if rng.random() > 0.04:  # a few weeks lost to holidays
            rows.append(dict(team_id=team_id, participant_id=None, session_date=day, module=next(modules),
                             minutes=rng.choice([60, 75, 90]), practitioner_id=rng.choice(facilitators)))
        day += timedelta(days=7)
    session_ids = _insert(session, Session, rows)
    attendance = []
    for pid, person, chance in people:
        for sid, srow in zip(session_ids, rows):
            d = srow["session_date"]
            if person["start_date"] <= d and (person["end_date"] is None or d <= person["end_date"]):
                status = _status(rng, chance)
                if status:
                    attendance.append(dict(session_id=sid, participant_id=pid, status=status))
    if attendance:
        session.execute(insert(Attendance), attendance)
    return len(rows), len(attendance)


def _individual_sessions(session, rng, team_id, facilitators, today, people):
    rows, owners = [], []
    for pid, person, chance in people:
        modules = module_sequence()
        day = person["start_date"] + timedelta(days=rng.randint(0, 6))
        last = person["end_date"] or today
        while day <= last:
            if rng.random() < 0.85:  # most weeks a session is booked
                rows.append(dict(team_id=team_id, participant_id=pid, session_date=day, module=next(modules),
                                 minutes=rng.choice([45, 50, 60]), practitioner_id=rng.choice(facilitators)))
                owners.append((pid, chance))
            day += timedelta(days=7)
    session_ids = _insert(session, Session, rows)
    attendance = []
    for sid, (pid, chance) in zip(session_ids, owners):
        status = _status(rng, chance)
        if status:
            attendance.append(dict(session_id=sid, participant_id=pid, status=status))
    if attendance:
        session.execute(insert(Attendance), attendance)
    return len(rows), len(attendance)


def _demo_accounts(session, agency_ids):
    accounts = []
    for email, role, agency_code in DEMO_ACCOUNTS:
        if session.scalar(select(User.id).where(User.email == email)):
            continue
        user = User(email=email, role=role, agency_id=agency_ids.get(agency_code) if agency_code else None)
        user.set_password(DEMO_PASSWORD)
        session.add(user)
        accounts.append((email, role, agency_code))
    session.flush()
    return accounts
