"""The state overview's numbers per team, kept from one page to the next (OverviewCounts), so a page sums the kept
numbers of the teams whose data did not change and computes only the others.

At state scale the overview's one statement sums 120,000 participants' running totals (queries.team_counts);
a state's data changes a team or a few at a time (an import, an edit). Each team has a version
(TeamDataChange.version) that summaries.stamp counts up in the writer's transaction, beside the summaries it
recomputed; a kept number counts only at its team's current version. The version is read before the numbers are
computed, so numbers kept under it are never older than it: a change committed in between counts the version up
past them (computed again on the next page), never the other way round.

The numbers of a team are those of the participants filed under it (the running totals' team, its participant's
team once refreshed), whatever filter of agency or program chose the team (a participant's agency is its team's):
the same for every filter, so one kept row serves the state's page and the agency's. A page keeps what it
computed in a short transaction of its own (views mark it writes_on_get); if that fails, the page still shows its
numbers and the next one computes them again.
"""
import logging
from datetime import timedelta

from sqlalchemy import Integer, and_, case, delete, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

import local_day
from dashboards import alongside, queries
from dashboards.filters import settings
from dashboards.models import OverviewCounts, TeamDataChange
from dashboards.windows import default_window
from extensions import db
from models import Program, Team

V, K = TeamDataChange.__table__, OverviewCounts.__table__
NUMBERS = ("counted", "engaged", "any_participation", "attended")
KEPT_DAYS = 7  # numbers computed longer ago are deleted when others are kept (a window nobody looks at any more)
# Teams to compute are looked up by their participants when they are at most one in BY_TEAM_ONE_IN of the scope's
# teams: each costs about what a twentieth of the whole scope's statement does (SQLite at 1M rows: 10 teams of 200
# 58 ms, all 53 ms; PostgreSQL at 12M: 100 teams of 2,400 89 ms, all 335 ms; medians of 5 at load 6-7). By team,
# all 200 of SQLite's took 698 ms for a first look at a window.
BY_TEAM_ONE_IN = 20
log = logging.getLogger(__name__)


def program_counts(window, threshold, fmt=None, agency_ids=None, program_id=None):
    """{program id: (counted, engaged, any participation, sessions attended)} of the programs in scope, as
    queries.program_counts gives them, from kept numbers where they are current."""
    return start(window, threshold, fmt, agency_ids, program_id)()


def start(window, threshold, fmt=None, agency_ids=None, program_id=None):
    """program_counts as a callable: the kept numbers' statement sent now, beside the page's other statements
    (alongside.py), and summed (and any team without current numbers computed and kept) when called. The overview
    reads its fidelity visits and freshness meanwhile: on PostgreSQL the statement no longer adds its time to
    theirs."""
    rows = alongside.start(_kept_statement(window, threshold, fmt, agency_ids, program_id), {})
    return lambda: _totals(rows(), window, threshold, fmt, agency_ids, program_id)


def _totals(rows, window, threshold, fmt, agency_ids, program_id):
    """program_counts from kept()'s rows: the kept sums, and the teams without current numbers computed and kept.
    The rows (their versions) are read before anything is computed (the module's docstring)."""
    missing = {team: version for _, team, version, *_ in rows if team is not None}
    computed = {}
    if missing:
        by_team = len(missing) * BY_TEAM_ONE_IN <= sum(row[3] for row in rows)
        computed = _compute(missing, by_team, window, threshold, fmt, agency_ids, program_id)
        keep(_key(window, threshold, fmt), {team: (version, computed.get(team, (0, 0, 0, 0)))
                                            for team, version in missing.items()})
    totals = {}
    for program, team, _, _, *numbers in rows:
        numbers = numbers if team is None else computed.get(team, (0, 0, 0, 0))
        if numbers[0]:
            before = totals.get(program)
            totals[program] = tuple(numbers) if before is None else tuple(map(sum, zip(before, numbers)))
    return totals


def kept(window, threshold, fmt=None, agency_ids=None, program_id=None):
    """Rows (program, None, None, teams, counted, engaged, any participation, attended) of the programs in scope,
    their teams' kept numbers summed, and (program, team, version, 1, None...) of each team with no numbers kept at
    its current version. The versions and the kept numbers are read in one statement (the page's statement when
    everything is kept; the dashboard bench times it alone), summed by the database: 600 rows at state scale,
    not 2,400 teams' for Python to add up."""
    return db.session.execute(_kept_statement(window, threshold, fmt, agency_ids, program_id)).all()


def _kept_statement(window, threshold, fmt, agency_ids, program_id):
    version = func.coalesce(V.c.version, 0)
    current = and_(K.c.team_id == Team.id, K.c.version == version,
                   *(K.c[name] == value for name, value in _key(window, threshold, fmt).items()))
    absent = K.c.counted.is_(None)
    team, team_version = case((absent, Team.id)), case((absent, version))
    stmt = (select(Team.program_id, team, team_version, func.count(), *(func.sum(K.c[name]) for name in NUMBERS))
            .join(Program, Program.id == Team.program_id)
            .outerjoin(V, V.c.team_id == Team.id).outerjoin(K, current)
            .group_by(Team.program_id, team, team_version))
    return queries.programs_where(stmt, agency_ids, program_id)


def _key(window, threshold, fmt):
    return {"window_start": window.start, "window_end": window.end, "threshold": threshold, "format": fmt or ""}


def _compute(missing, by_team, window, threshold, fmt, agency_ids, program_id):
    """The numbers of the teams without current kept ones: of those teams' participants (by_team), else of every
    participant in scope in the one state-scale statement."""
    if by_team:
        condition = queries.participant_filter(team_ids=sorted(missing), fmt=fmt)
        return queries.team_counts(condition, window, threshold)
    condition = queries.participant_filter(fmt=fmt, agency_ids=agency_ids, program_id=program_id)
    return queries.team_counts(condition, window, threshold, state_scale=True)


def keep(key, numbers):
    """Keep {team: (version, numbers)} for this key in a transaction of its own, and delete numbers older than
    KEPT_DAYS. Two pages keeping one team's numbers at once: the later version wins (equal ones are equal)."""
    today = local_day.today()
    teams = sorted(numbers)  # in key order: two pages lock rows alike
    try:
        with db.engine.begin() as connection:
            columns = ["team_id", "version", *NUMBERS]
            if connection.dialect.name == "postgresql":
                # One row of arrays, unnested: as an executemany of 2,400 rows the statement took 550 ms, and as
                # VALUES lists of 1,000 rows their compiling took seconds. Each array is sent as one string of
                # numbers: psycopg took 40 ms to send the state's six lists of 2,400 numbers as arrays.
                arrays = [teams, *([numbers[t][0] for t in teams], *zip(*(numbers[t][1] for t in teams)))]
                rows = select(*(literal(value) for value in key.values()),
                              *(func.unnest(func.string_to_array(literal(",".join(map(str, values))), ",")
                                            .cast(ARRAY(Integer))) for values in arrays),
                              literal(today))
                upsert = pg_insert(K).from_select([*key, *columns, "computed_on"], rows)
                parameters = None
            else:  # in process: an executemany is quick
                upsert = sqlite_insert(K)
                parameters = [{**key, **dict(zip(columns, (t, numbers[t][0], *numbers[t][1]))), "computed_on": today}
                              for t in teams]
            connection.execute(upsert.on_conflict_do_update(
                index_elements=list(K.primary_key),
                set_={name: upsert.excluded[name] for name in ("version", *NUMBERS, "computed_on")},
                where=K.c.version <= upsert.excluded.version), parameters)
            connection.execute(delete(K).where(K.c.computed_on < today - timedelta(days=KEPT_DAYS)))
    except SQLAlchemyError:  # the page has its numbers; the next one computes them again
        log.exception("Could not keep the state overview's numbers of %d teams", len(teams))


def keep_default_window(app, today):
    """The scheduler's daily step: every team's numbers of the day's default window, computed and kept, so the
    first manager to open the overview that day does not wait for the state-scale statement (a first look at a
    window took 0.33 s at 12M rows, the kept numbers 0.04 s). The window ends today: yesterday's kept numbers do
    not serve it."""
    with app.app_context():
        programs = program_counts(default_window(today), settings().threshold)
        db.session.remove()
    return {"programs with numbers": len(programs)}
