"""The program and team pages' SQL, built once: the teams, format and window are bound parameters.

A page runs a handful of statements per request. Building one of them in SQLAlchemy (and deriving its cache key)
cost about a quarter of what running it costs for a team of 50, so each is built on first use and kept,
one per shape (with or without a format filter). The definitions are those of scoring/engagement.py;
tests/dashboards/test_sql_matches_pure.py checks both agree.
"""
from datetime import date
from functools import cache
from typing import NamedTuple

from sqlalchemy import Date, and_, bindparam, func, or_, select, type_coerce

from dashboards.freshness import with_freshness
from dashboards.offered import P, S, offered_rows
from dashboards.queries import M, fidelity_scale
from extensions import db
from fidelity.models import Assessment
from models import Team
from scoring.engagement import Enrolment, Measures, Window, days_to_first, is_engaged, sum_grouped

TEAM_IDS = bindparam("team_ids", expanding=True)
FORMAT = bindparam("fmt")
START, END = bindparam("start", type_=Date), bindparam("end", type_=Date)


class Scope(NamedTuple):
    """Whose numbers a page shows: these teams' participants (of one format, or both), over the window."""

    team_ids: tuple
    fmt: str | None
    window: Window

    def params(self):
        return {"team_ids": list(self.team_ids), "fmt": self.fmt, "start": self.window.start,
                "end": self.window.end}


class Person(NamedTuple):
    enrolment: Enrolment
    client_code: str
    first_attended: date | None  # the first attended offered session up to the window's end


def _in_scope(with_format):
    in_teams = P.c.team_id.in_(TEAM_IDS)
    return and_(in_teams, P.c.format == FORMAT) if with_format else in_teams


def _enrolled(with_format):
    return (_in_scope(with_format), P.c.start_date <= END, or_(P.c.end_date.is_(None), P.c.end_date >= START))


@cache
def members(with_format):
    """The scope's participants (enrolled at some time in the window) as a select of their ids, for statements of
    fixed shape over them (the goals panel, the follow-up list): a list of ids made each one differ per request,
    compiled anew every time."""
    return select(P.c.id).where(*_enrolled(with_format))


@cache
def people_statement(with_format):
    """The select behind people(): goals_panel.py adds the panel's findings to it, in one statement."""
    first = (select(func.min(M.c.first_attended))
             .where(M.c.participant_id == P.c.id, M.c.first_attended <= END)
             .scalar_subquery())
    return (select(P.c.id, P.c.team_id, P.c.format, P.c.start_date, P.c.end_date, P.c.referral_date,
                   P.c.client_code, type_coerce(first, Date).label("first_attended"))
            .where(*_enrolled(with_format))
            .order_by(P.c.client_code))


def people(scope):
    """Participants whose enrolment overlaps the window, by client code, with their first attended session
    (from the monthly summaries, so sessions before the window count)."""
    return [person(row) for row in db.session.execute(people_statement(scope.fmt is not None), scope.params()).all()]


def person(row):
    """A Person from a row of people_statement (its first eight columns)."""
    pid, team_id, fmt, start, end, referral, code, first = row[:8]
    return Person(Enrolment(pid, team_id, fmt, start, end, referral), code, first)


@cache
def _grain_statement(with_format, people_apart):
    o = offered_rows(_in_scope(with_format), START, END, team_ids=TEAM_IDS, people_apart=people_apart).subquery()
    return (select(o.c.participant_id, o.c.month, o.c.module, func.count(), func.sum(o.c.attended))
            .group_by(o.c.participant_id, o.c.month, o.c.module)
            .order_by(o.c.participant_id, o.c.month, o.c.module))  # as sum_grouped reads them


def grain_statement(scope):
    """(statement, parameters) of the aggregate the page rests on: offered and attended sessions per participant,
    month and module."""
    people_apart = db.session.get_bind().dialect.name == "postgresql"
    return _grain_statement(scope.fmt is not None, people_apart), scope.params()


def grain_rows(scope):
    """The rows of grain_statement(scope), fetched at once (one fetch, not one per row)."""
    return db.session.execute(*grain_statement(scope)).all()


def measures_and_trend(scope, threshold, persons, grain=None):
    """({participant id: Measures} of `persons`, [(month key, counted, engaged, any participation)]).

    The database groups the offered sessions by participant, month and module (the heavy part: thousands
    of rows joined to attendance); scoring.engagement.sum_grouped then sums the groups per participant and
    per month in one pass, where summing in SQL read them twice. grain: grain_rows(scope) when the page
    fetched them already (alongside.py).
    """
    per_person, per_month = sum_grouped(grain_rows(scope) if grain is None else grain, threshold)
    result = {}
    for person, _, first in persons:
        offered, attended, modules = per_person.get(person.id, (0, 0, 0))
        result[person.id] = Measures(
            participant_id=person.id, offered=offered, attended=attended,
            engaged=is_engaged(attended, offered, threshold) if offered else None, modules_completed=modules,
            first_attended=first, days_to_first=days_to_first(person, first))
    return result, [(month, *totals) for month, totals in per_month.items()]


@cache
def _delivered_statement(fmt):
    stmt = (select(S.c.team_id, S.c.module, func.count().label("n"))
            .where(S.c.team_id.in_(TEAM_IDS), S.c.session_date.between(START, END))
            .group_by(S.c.team_id, S.c.module))
    if fmt == "group":
        stmt = stmt.where(S.c.participant_id.is_(None))
    elif fmt == "individual":
        stmt = stmt.where(S.c.participant_id.is_not(None))
    return stmt


@cache
def _team_facts_statement(fmt):
    """Each team's freshness beside the sessions it held per module: a row per (team, module held), or one with
    no module and no count for a team that held none."""
    held = _delivered_statement(fmt).subquery()
    return (with_freshness(Team.id, held.c.module, held.c.n).outerjoin(held, held.c.team_id == Team.id)
            .where(Team.id.in_(TEAM_IDS)))


def team_facts(scope, since):
    """({(team id, module): sessions held in the window} (individual sessions count one each), {team id: (last data
    change or None, newest session date or None)} as freshness.team_freshness(ids, since) gives it), in one
    statement: one round trip and one plan where there were two."""
    delivered, fresh = {}, {}
    for team_id, module, n, changed, newest in columns(_team_facts_statement(scope.fmt),
                                                       {**scope.params(), "since": since}):
        fresh[team_id] = (changed, newest)
        if n is not None:
            delivered[(team_id, module)] = n
    return delivered, {t: fresh.get(t, (None, None)) for t in scope.team_ids}


@cache
def _visits_statement(of_team):
    stmt = (select(Assessment.visit_date, Assessment.summary_score, Assessment.band, Assessment.team_id)
            .where(Assessment.program_id == bindparam("program_id"), Assessment.scale_key == bindparam("scale_key"),
                   Assessment.status == "final", Assessment.visit_date.between(START, END))
            .order_by(Assessment.visit_date, Assessment.id))
    if of_team:
        stmt = stmt.where(or_(Assessment.team_id == bindparam("team_id"), Assessment.team_id.is_(None)))
    return stmt


def fidelity_visits(program_id, window, team_id=None):
    """Final IMR Fidelity visits of a program (of one team and the program as a whole, when team_id is given)."""
    return columns(_visits_statement(team_id is not None), {
        "program_id": program_id, "team_id": team_id, "start": window.start, "end": window.end,
        "scale_key": fidelity_scale()})


def columns(statement, params):
    """The rows of a select of columns (no objects), executed as Core: the ORM's per-statement work for a select of
    model attributes cost a fifth to a quarter of such a small statement's client time. A page reads nothing it
    wrote (it is a GET), so skipping the ORM's autoflush changes nothing."""
    return db.session.connection().execute(statement, params).all()
