"""Small factory functions for test data; each adds and flushes, build_world commits."""
from dataclasses import dataclass
from datetime import date

from extensions import db
from models import Agency, Attendance, Participant, Program, Session, Team, User
from tests.helpers import PASSWORD


def make_agency(code="A", name=None, **kw):
    return _add(Agency(code=code, name=name or f"Agency {code}", **kw))


def make_program(agency, name="IMR program", **kw):
    return _add(Program(agency_id=agency.id, name=name, **kw))


def make_team(program, name="Group 1", format="group", **kw):
    return _add(Team(program_id=program.id, name=name, format=format, **kw))


def make_participant(team, code, start=date(2026, 1, 5), end=None, referral=None, **kw):
    fmt = kw.pop("format", team.format)
    return _add(Participant(agency_id=team.program.agency_id, team_id=team.id, client_code=code, start_date=start,
                            end_date=end, referral_date=referral, format=fmt, **kw))


def make_session(team, day, module=1, participant=None, **kw):
    return _add(Session(team_id=team.id, session_date=day, module=module,
                        participant_id=participant.id if participant else None, **kw))


def make_attendance(session, participant, status="attended"):
    return _add(Attendance(session_id=session.id, participant_id=participant.id, status=status))


def make_user(email, role, agency=None, password=PASSWORD, active=True):
    user = User(email=email, role=role, agency_id=agency.id if agency else None, active=active)
    user.set_password(password)
    return _add(user)


def _add(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


@dataclass
class World:
    agency_a: Agency
    agency_b: Agency
    program_a: Program
    program_b: Program
    team_a: Team
    team_b: Team
    users: dict  # role name -> email, e.g. "manager_a"


def build_world():
    a, b = make_agency("AAA", "Agency Alpha"), make_agency("BBB", "Agency Beta")
    pa, pb = make_program(a, "Alpha IMR"), make_program(b, "Beta IMR")
    ta, tb = make_team(pa, "Alpha group"), make_team(pb, "Beta group")
    make_team(pa, "Alpha caseload", format="individual")
    for team, prefix in ((ta, "A"), (tb, "B")):
        for i in range(3):
            make_participant(team, f"{prefix}00{i}")
        make_session(team, date(2026, 2, 2))
    users = {
        "admin": make_user("admin@state.example", "admin").email,
        "trainer": make_user("trainer@state.example", "trainer").email,
        "manager_a": make_user("manager@alpha.example", "manager", a).email,
        "clerk_a": make_user("clerk@alpha.example", "clerk", a).email,
        "manager_b": make_user("manager@beta.example", "manager", b).email,
        "clerk_b": make_user("clerk@beta.example", "clerk", b).email,
    }
    db.session.commit()
    return World(a, b, pa, pb, ta, tb, users)


def world_keys(world):
    """What load_world needs to read `world` back from a copy of its database: each object's class and id."""
    return {field: (value if field == "users" else (type(value), value.id)) for field, value in vars(world).items()}


def load_world(keys):
    """The world of world_keys read into this session, left as build_world's commit leaves it: in the session,
    expired (read again on first use) and no transaction open."""
    world = World(**{field: (dict(value) if field == "users" else db.session.get(*value))
                     for field, value in keys.items()})
    db.session.rollback()
    return world
