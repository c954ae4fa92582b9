"""How fresh a dashboard's data is: when each team's data last changed, its newest session, and which teams
have uploaded no recent sessions (so a drop can be told from a missing upload)."""
from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam, case, func, literal, null, or_, select, union_all

from dashboards import wording
from dashboards.models import TeamDataChange
from date_text import iso_moment
from extensions import db
import local_day
from models import Session, Team


def newest_session(team_id, *conditions):
    """The newest session date of the team whose id is the column `team_id`, as a scalar subquery: the one
    rule summaries.stamp keeps in team_data_change, the block below shows and the early attendance write
    (imports/kinds/attendance_early.py) starts after."""
    return select(func.max(Session.session_date)).where(Session.team_id == team_id, *conditions).scalar_subquery()


def session_count(team_id):
    """How many sessions the team whose id is the column `team_id` has, as a scalar subquery: what summaries.stamp
    keeps in team_data_change.sessions, and what is counted for a team never stamped."""
    return select(func.count()).select_from(Session).where(Session.team_id == team_id).scalar_subquery()


def with_freshness(*columns):
    """These team columns with each team's last data change and newest session date (parameter `since`: the
    first day whose sessions count as recent); a select to add to."""
    # The newest session is kept with the team's last change (summaries.stamp writes both): the overview's
    # 2,400 teams are a join, not 2,400 index seeks. A team never stamped is sought in its (team, date)
    # index, from `since` first: PostgreSQL reads the team's entries on the index page it lands on before it
    # takes the newest, and a seek bounded to recent days reads a few of them; only the teams with no recent
    # session are sought again without the bound.
    sought = func.coalesce(newest_session(Team.id, Session.session_date >= bindparam("since")).correlate(Team),
                           newest_session(Team.id).correlate(Team))
    newest = case((TeamDataChange.team_id.is_(None), sought), else_=TeamDataChange.newest_session)
    return select(*columns, TeamDataChange.changed_at, newest).outerjoin(TeamDataChange,
                                                                        TeamDataChange.team_id == Team.id)


@cache
def _statement():
    return with_freshness(Team.id).where(Team.id.in_(bindparam("team_ids", expanding=True)))


def recent_since(stale_days, today=None):
    """The first day whose sessions count as recent."""
    return (today or local_day.today()) - timedelta(days=stale_days)


def team_freshness(team_ids, since):
    """{team id: (last change or None, newest session date or None)}, in one statement."""
    ids = list(team_ids)
    if not ids:
        return {}
    found = {t: (changed, newest)
             for t, changed, newest in db.session.execute(_statement(), {"team_ids": ids, "since": since})}
    return {t: found.get(t, (None, None)) for t in ids}


def freshness_json(teams, stale_days, today=None, found=None):
    """The "data as of" block of a report; teams: [(id, name)]; found: their team_freshness when read already."""
    since = recent_since(stale_days, today)
    found = team_freshness([t for t, _ in teams], since) if found is None else found
    return _block([(t, name, *found[t]) for t, name in teams], stale_days, since)


def programs_freshness_json(program_ids, stale_days, today=None, per_team=True):
    """The "data as of" block of the teams of these programs (a select of program ids), read in one statement;
    per_team=False leaves out each team's row, which only the API returns (a page shows the sentence).

    The overview's 2,400 teams: sending their ids as 2,400 parameters, after a statement to find them, took twice
    as long as this (same-run medians at 12M rows).
    """
    since = recent_since(stale_days, today)
    teams = with_freshness(Team.id, Team.name).where(Team.program_id.in_(program_ids))
    # Executed as Core, not through the ORM session: its per-row work doubled the time to take 2,400 rows.
    connection = db.session.connection()
    if per_team:
        return _block(connection.execute(teams.order_by(Team.name), {"since": since}).all(), stale_days, since)
    [(_, _, changed, newest, count), *stale] = connection.execute(_summed(teams), {"since": since}).all()
    return _summary(changed, newest, [name for _, name, *_ in stale], count, stale_days)


def _summed(teams):
    """What a page shows of these teams' freshness: one row of their latest change, newest session and number,
    then the names of the teams with no recent session, by name. The database sums the overview's 2,400 teams:
    taking their rows to sum them here took over twice as long (same-run medians at 12M rows)."""
    found = teams.cte("found")
    _, name, changed, newest = found.c
    figures = select(literal(0).label("part"), null().label("name"), func.max(changed), func.max(newest),
                     func.count())
    stale = select(literal(1), name, null(), null(), null()).where(_stale_in_sql(newest))
    return union_all(figures, stale).order_by("part", "name")


def _block(found, stale_days, since):
    """The block with each team's row; found: [(team id, name, last change or None, newest session or None)]."""
    block = _summary(max((changed for _, _, changed, _ in found if changed), default=None),
                     max((newest for _, _, _, newest in found if newest), default=None),
                     [name for _, name, _, newest in found if _stale(newest, since)], len(found), stale_days)
    block["teams"] = [{"id": team_id, "name": name, "changed_at": iso_moment(changed),
                       "latest_session": newest.isoformat() if newest else None,
                       "no_recent_sessions": _stale(newest, since)}
                      for team_id, name, changed, newest in found]
    return block


def _summary(latest_change, latest_session, stale, teams, stale_days):
    """The block without its per-team rows; stale: the names of the teams with no recent session."""
    return {"stale_days": stale_days, "changed_at": iso_moment(latest_change),
            "latest_session": latest_session.isoformat() if latest_session else None,
            "teams_without_recent_sessions": stale,
            "text": wording.freshness_text(latest_change, latest_session, stale, teams, stale_days)}


def _stale(newest, since):
    """Whether a team whose newest session is `newest` (None: none) has no recent sessions."""
    return newest is None or newest < since


def _stale_in_sql(newest):
    """_stale as a condition on the column `newest`, against the parameter `since`."""
    return or_(newest.is_(None), newest < bindparam("since"))
