"""The engagement numbers in SQL: the same definitions as scoring/engagement.py, computed by the database.

Program and team pages aggregate the offered-session rows of their own participants (a few thousand);
the state overview reads whole months from the precomputed summaries and only the partial months at
the window's edges from the raw rows.
"""
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from dashboards.models import EngagementMonth
from dashboards.offered import P, S, offered_rows
from extensions import db
from fidelity.models import Assessment
from models import Program, Team
from scoring.engagement import MODULE_COMPLETION, Enrolment, Measures, days_to_first

M = EngagementMonth.__table__
FIDELITY_SCALE = "imr_fidelity"


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


def enrolled(condition, window):
    """Participants whose enrolment overlaps the window, ordered by client code: [(Enrolment, client code)]."""
    stmt = (select(P.c.id, P.c.team_id, P.c.format, P.c.start_date, P.c.end_date, P.c.referral_date, P.c.client_code)
            .where(P.c.start_date <= window.end, or_(P.c.end_date.is_(None), P.c.end_date >= window.start))
            .order_by(P.c.client_code))
    if condition is not None:
        stmt = stmt.where(condition)
    return [(Enrolment(r.id, r.team_id, r.format, r.start_date, r.end_date, r.referral_date), r.client_code)
            for r in db.session.execute(stmt)]


def measures_and_trend(condition, window, threshold, people):
    """({participant id: Measures} of the enrolled `people`, [(month key, counted, engaged, any participation)]).

    One pass over the offered sessions: they are grouped by participant, month and module once (a CTE,
    which SQLite and PostgreSQL materialise because it is read twice), then summed per participant and
    per month.
    """
    o = offered_rows(condition, window.start, window.end).subquery()
    grain = (select(o.c.participant_id, o.c.month, o.c.module, func.count().label("n"),
                    func.sum(o.c.attended).label("att"))
             .group_by(o.c.participant_id, o.c.month, o.c.module).cte("grain"))
    per_module = (select(grain.c.participant_id, func.sum(grain.c.n).label("n"), func.sum(grain.c.att).label("att"))
                  .group_by(grain.c.participant_id, grain.c.module).subquery())
    completed = case((per_module.c.att > MODULE_COMPLETION * per_module.c.n, 1), else_=0)
    people_part = (select(literal("p").label("kind"), per_module.c.participant_id.label("key"),
                          func.sum(per_module.c.n).label("a"), func.sum(per_module.c.att).label("b"),
                          func.sum(completed).label("c"),
                          _engaged(func.sum(per_module.c.att), func.sum(per_module.c.n), threshold).label("d"))
                   .group_by(per_module.c.participant_id))
    per_month = (select(grain.c.month, func.sum(grain.c.n).label("n"), func.sum(grain.c.att).label("att"))
                 .group_by(grain.c.month, grain.c.participant_id).subquery())
    months_part = (select(literal("m"), per_month.c.month, func.count(),
                          func.sum(_engaged(per_month.c.att, per_month.c.n, threshold)),
                          func.sum(case((per_month.c.att >= 1, 1), else_=0)), literal(0))
                   .group_by(per_month.c.month))
    counts, trend = {}, []
    for kind, key, a, b, c, d in db.session.execute(union_all(people_part, months_part)):
        if kind == "p":
            counts[key] = (int(a), int(b), int(c), bool(d))
        else:
            trend.append((int(key), int(a), int(b), int(c)))
    firsts = first_attended(condition, window.end)
    result = {}
    for person in people:
        offered, attended, modules, engaged = counts.get(person.id, (0, 0, 0, None))
        first = firsts.get(person.id)
        result[person.id] = Measures(participant_id=person.id, offered=offered, attended=attended,
                                     engaged=engaged if offered else None, modules_completed=modules,
                                     first_attended=first, days_to_first=days_to_first(person, first))
    return result, sorted(trend)


def _engaged(attended, offered, threshold):
    """1 when attended > threshold x offered (scoring.engagement.is_engaged), else 0."""
    return case((attended > threshold * offered, 1), else_=0)


def first_attended(condition, end):
    """{participant id: first attended offered session on or before `end`}, from the monthly summaries."""
    stmt = (select(M.c.participant_id, func.min(M.c.first_attended))
            .where(M.c.month <= end.year * 100 + end.month, M.c.first_attended <= end)
            .group_by(M.c.participant_id))
    if condition is not None:
        stmt = stmt.where(M.c.participant_id.in_(select(P.c.id).where(condition)))
    return {pid: _as_date(first) for pid, first in db.session.execute(stmt)}


def delivered(team_ids, window, fmt=None):
    """{(team id, module): sessions held in the window} (individual sessions count one each)."""
    stmt = (select(S.c.team_id, S.c.module, func.count())
            .where(S.c.team_id.in_(list(team_ids)), S.c.session_date.between(window.start, window.end))
            .group_by(S.c.team_id, S.c.module))
    if fmt == "group":
        stmt = stmt.where(S.c.participant_id.is_(None))
    elif fmt == "individual":
        stmt = stmt.where(S.c.participant_id.is_not(None))
    return {(team_id, module): n for team_id, module, n in db.session.execute(stmt)}


def program_counts(condition, window, threshold):
    """{program id: (counted, engaged, any participation, sessions attended)} over the window."""
    parts = []
    full = [key for key, first, last in window.months() if _whole_month(first, last)]
    if full:
        month_part = select(M.c.participant_id, M.c.offered.label("n"), M.c.attended.label("att")).where(
            M.c.month.between(full[0], full[-1]))
        if condition is not None:
            month_part = month_part.where(M.c.participant_id.in_(select(P.c.id).where(condition)))
        parts.append(month_part)
    for key, first, last in window.months():
        if not _whole_month(first, last):  # only the first and the last month can be partial
            o = offered_rows(condition, first, last).subquery()
            parts.append(select(o.c.participant_id, literal(1).label("n"), o.c.attended.label("att")))
    rows = union_all(*parts).subquery()
    per_person = (select(rows.c.participant_id, func.sum(rows.c.n).label("n"), func.sum(rows.c.att).label("att"))
                  .group_by(rows.c.participant_id).subquery())
    stmt = (select(Team.program_id, func.count(),
                   func.sum(_engaged(per_person.c.att, per_person.c.n, threshold)),
                   func.sum(case((per_person.c.att >= 1, 1), else_=0)), func.sum(per_person.c.att))
            .select_from(per_person.join(P, P.c.id == per_person.c.participant_id).join(Team, Team.id == P.c.team_id))
            .where(per_person.c.n > 0).group_by(Team.program_id))
    return {pid: (int(c), int(e), int(a), int(t)) for pid, c, e, a, t in db.session.execute(stmt)}


def _whole_month(first, last):
    return first.day == 1 and (last + timedelta(days=1)).day == 1


def latest_fidelity(program_ids, end):
    """{program id: (visit date, summary score, band)} of the latest final IMR Fidelity visit up to `end`."""
    if not program_ids:
        return {}
    stmt = (select(Assessment.program_id, Assessment.visit_date, Assessment.summary_score, Assessment.band)
            .where(Assessment.program_id.in_(list(program_ids)), Assessment.scale_key == FIDELITY_SCALE,
                   Assessment.status == "final", Assessment.visit_date <= end)
            .order_by(Assessment.program_id, Assessment.visit_date, Assessment.id))
    return {pid: (visit, score, band) for pid, visit, score, band in db.session.execute(stmt)}


def fidelity_visits(program_id, window, team_id=None):
    """Final IMR Fidelity visits of a program (of one team and the program as a whole, when team_id is given)."""
    stmt = (select(Assessment.visit_date, Assessment.summary_score, Assessment.band, Assessment.team_id)
            .where(Assessment.program_id == program_id, Assessment.scale_key == FIDELITY_SCALE,
                   Assessment.status == "final", Assessment.visit_date.between(window.start, window.end))
            .order_by(Assessment.visit_date, Assessment.id))
    if team_id is not None:
        stmt = stmt.where(or_(Assessment.team_id == team_id, Assessment.team_id.is_(None)))
    return db.session.execute(stmt).all()


def programs_in(agency_ids=None, program_id=None):
    """Programs with their agency, for the overview (ordered by name)."""
    stmt = select(Program).options(joinedload(Program.agency)).order_by(Program.name)
    if agency_ids is not None:
        stmt = stmt.where(Program.agency_id.in_(list(agency_ids)))
    if program_id is not None:
        stmt = stmt.where(Program.id == program_id)
    return db.session.scalars(stmt).all()


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value
