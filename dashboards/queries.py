"""The state overview's numbers in SQL: the same definitions as scoring/engagement.py, computed by the database.

The overview reads running totals (running_totals.py) and, for the days between them and the window's edges,
on PostgreSQL their months' day masks (edge_days.py), on SQLite the daily summaries. The program and team pages aggregate their own participants' offered sessions (page_queries.py).
"""
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

from sqlalchemy import and_, case, func, select, text

from dashboards import running_totals
from dashboards.models import EngagementDay, EngagementMonth
from dashboards.offered import P
from extensions import db
from fidelity.models import Assessment
from fidelity.scales import catalog
from models import Agency, Program, Team

M, D = EngagementMonth.__table__, EngagementDay.__table__


def fidelity_scale():
    """The headline programmatic scale the dashboards show (its scale file says so)."""
    return catalog.headline_key()


def fidelity_facts():
    """That scale's title, rating range and bands, as plain data the charts and tables draw."""
    return catalog.headline_facts()


def participant_filter(team_ids=None, fmt=None, agency_ids=None, program_id=None):
    """A condition on participant columns selecting a scope (None: every participant)."""
    conditions = []
    if team_ids is not None:
        conditions.append(P.c.team_id.in_(list(team_ids)))
    if program_id is not None:
        conditions.append(P.c.team_id.in_(select(Team.id).where(Team.program_id == program_id)))
    if agency_ids is not None:
        conditions.append(P.c.agency_id.in_(list(agency_ids)))
    if fmt is not None:
        conditions.append(P.c.format == fmt)
    return and_(*conditions) if conditions else None


def _engaged(attended, offered, threshold):
    """1 when attended > threshold x offered (scoring.engagement.is_engaged), else 0."""
    return case((attended > threshold * offered, 1), else_=0)


def program_counts(condition, window, threshold):
    """{program id: (counted, engaged, any participation, sessions attended)} over the window, summed by team
    (2,400 at state scale) and then by program in one statement: what the overview's team numbers (team_counts,
    kept by overview_counts.py) add up to, which the tests compare with the pure computation."""
    per_team = _per_team(condition, window, threshold).subquery()
    stmt = (select(Team.program_id, *(func.sum(column) for column in list(per_team.c)[1:]))
            .join_from(per_team, Team, Team.id == per_team.c.team_id).group_by(Team.program_id))
    with _state_scale_plan():
        return {pid: (int(c), int(e), int(a), int(t)) for pid, c, e, a, t in db.session.execute(stmt)}


def team_counts(condition, window, threshold, state_scale=False):
    """{team id: (counted, engaged, any participation, sessions attended)} over the window, of the teams whose
    participants the condition selects (the overview's kept numbers, overview_counts.py, are these).
    state_scale: the condition selects most of a state's participants (STATE_SCALE_PLAN); a few teams' are
    looked up by their participants' keys as planned."""
    with _state_scale_plan() if state_scale else nullcontext():
        return {team: (int(c), int(e), int(a), int(t))
                for team, c, e, a, t in db.session.execute(_per_team(condition, window, threshold))}


def _per_team(condition, window, threshold):
    """(team_id, counted, engaged, any, attended) of the participants offered a session in the window."""
    person = _window_numbers(condition, window)
    return (select(person.c.team_id, func.count().label("counted"),
                   func.sum(_engaged(person.c.att, person.c.n, threshold)).label("engaged"),
                   func.sum(case((person.c.att >= 1, 1), else_=0)).label("any"),
                   func.sum(person.c.att).label("attended"))
            .where(person.c.n > 0).group_by(person.c.team_id))


def _window_numbers(condition, window):
    """(participant_id, team_id, n, att) of each participant with totals by the window's end.

    PostgreSQL joins each participant's end and start totals (running_totals.window_numbers), under the team the
    totals are filed under: summing ~600k signed rows per participant in a union and looking each one up in
    participant took it 1.1-2x the time at 12M rows. SQLite sums the union (running_totals.window_parts) and looks
    the team up by the key: the join cost it 1.28x the CPU on a window cutting months at 1M rows.
    """
    members = None if condition is None else select(P.c.id).where(condition)
    if db.session.get_bind().dialect.name == "postgresql":
        return running_totals.window_numbers(window, members)
    rows = running_totals.window_parts(window, members).subquery()
    person = (select(rows.c.participant_id, func.sum(rows.c.n).label("n"), func.sum(rows.c.att).label("att"))
              .group_by(rows.c.participant_id).subquery())
    return (select(person.c.participant_id, P.c.team_id, person.c.n, person.c.att)
            .join_from(person, P, P.c.id == person.c.participant_id).subquery())


# Planner settings for the one statement over every participant of the state (PostgreSQL only; the rollback
# after an error ends them too), each measured alone against main in same-run medians at 12M rows:
STATE_SCALE_PLAN = (
    # It cannot know how many participants the sums per participant give (it guessed 67-200 for a state's
    # 100,000) and looked each one up in participant and team; hashing both tables once took 0.55-0.7x the
    # time (joining before the sums, so its estimate held, 1.1-1.3x on a window cutting months).
    ("enable_nestloop", "off"),
    # The sums of 120,000 participants and their sort by program spilled 4-8 MB to disk with the default 4MB:
    # 0.78x on a window cutting months.
    ("work_mem", "32MB"),
    # Two workers on two cores, each spilling its own partial sums and merging them sorted: 0.65-0.75x
    # without them (a server answering many pages at once has no spare cores for one page either).
    ("max_parallel_workers_per_gather", "0"),
)


@contextmanager
def _state_scale_plan():
    """PostgreSQL: STATE_SCALE_PLAN for the statement inside, then each setting as it was before.

    One statement sets them and says what they were (pg_settings is read whole before any is set), one sets
    them back: on a loaded server every round trip waits its turn.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    wanted = ", ".join(f"('{name}', '{value}')" for name, value in STATE_SCALE_PLAN)
    before = db.session.execute(text(f"SELECT s.name, s.setting, set_config(s.name, v.value, true) FROM pg_settings s "
                                     f"JOIN (VALUES {wanted}) AS v (name, value) ON v.name = s.name")).all()
    yield
    params = {}
    for i, (name, setting, _) in enumerate(before):
        params[f"name{i}"], params[f"value{i}"] = name, setting
    back = ", ".join(f"set_config(:name{i}, :value{i}, true)" for i in range(len(before)))
    db.session.execute(text(f"SELECT {back}"), params)


def latest_fidelity(programs, end):
    """{program id: (visit date, summary score, band)} of the latest final whole-program visit up to `end`.

    programs: a select of program ids (program_ids_in). A visit of one team scores that team, not its program,
    so it never stands in for the program's figure.
    """
    # The latest is chosen by the database: a state's 600 programs have a visit every 6-12 months, and sending
    # every one of them to keep the last cost the page a row each.
    newest_first = func.row_number().over(partition_by=Assessment.program_id,
                                          order_by=(Assessment.visit_date.desc(), Assessment.id.desc()))
    visits = (select(Assessment.program_id, Assessment.visit_date, Assessment.summary_score, Assessment.band,
                     newest_first.label("n"))
              .where(Assessment.program_id.in_(programs), Assessment.scale_key == fidelity_scale(),
                     Assessment.status == "final", Assessment.visit_date <= end,
                     Assessment.team_id.is_(None)).subquery())
    stmt = select(*list(visits.c)[:4]).where(visits.c.n == 1)
    return {pid: (visit, score, band) for pid, visit, score, band in db.session.execute(stmt)}


class ProgramRow(NamedTuple):
    """A program as the overview lists it."""
    id: int
    name: str
    agency_id: int
    engagement_target: float
    agency_code: str
    agency_name: str


def programs_in(agency_ids=None, program_id=None):
    """Programs for the overview (ordered by name), as ProgramRows: making the state's 600 Program and Agency
    objects took longer than reading them, and a Row's attribute is looked up by name (about 2 us, 25 times a
    tuple's): the page reads each program's columns about ten times."""
    stmt = (select(Program.id, Program.name, Program.agency_id, Program.engagement_target,
                   Agency.code.label("agency_code"), Agency.name.label("agency_name"))
            .join(Agency, Agency.id == Program.agency_id).order_by(Program.name))
    return [ProgramRow._make(row) for row in db.session.execute(programs_where(stmt, agency_ids, program_id))]


def program_ids_in(agency_ids=None, program_id=None):
    """The ids of programs_in's programs as a select: the state's 600 ids as parameters cost more to send and
    plan than the statements that use them take to read."""
    return programs_where(select(Program.id), agency_ids, program_id)


def programs_where(stmt, agency_ids, program_id):
    if agency_ids is not None:
        stmt = stmt.where(Program.agency_id.in_(list(agency_ids)))
    if program_id is not None:
        stmt = stmt.where(Program.id == program_id)
    return stmt
