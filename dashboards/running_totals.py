"""Running totals of engagement per participant and month, so the state overview reads two rows per participant
for any window instead of one per month (12 at the default window: 1.4 million rows at state scale).

engagement_total holds, for every participant and every month from their first month with an offered session
to their last, the sessions offered and attended from their first month to the end of that one: the monthly
summaries (engagement_month) added up, months without sessions carrying the total on, so a participant's rows
have no gaps. A window [d1, d2] is then C(d2) - C(d1 - 1), where C(day) is the total at the end of a month near
the day corrected by the days between (window_numbers). The monthly summaries stay the one source: these rows are
recomputed from them for the participants a refresh touched (summaries.refresh calls refresh() last).
"""
from calendar import monthrange
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, union_all, update

from dashboards import edge_days
from dashboards.models import EngagementDay, EngagementMonth, EngagementTotal
from dashboards.offered import P
from scoring.engagement import month_key

M, D = EngagementMonth.__table__, EngagementDay.__table__


T = EngagementTotal.__table__
COLUMNS = ["participant_id", "month", "team_id", "offered", "attended", "is_last"]


def previous_month(key):
    return key - 89 if key % 100 == 1 else key - 1


def refresh(connection, team_ids=None, dates=None, checked_once=None, masks=None):
    """Recompute the totals of these teams' participants (everyone's when None) from the monthly summaries.

    dates: (first, last) session dates the change touched (summaries.refresh's): totals before the first one's
    month are sums of months that did not change, so only the months from it on are written again, carried on
    from the total before (a monthly upload writes a month or two per participant, not their whole history).
    None: whole histories. Participants filed under these teams who moved keep what the monthly summaries keep.
    checked_once(table): the block the rows go in (summaries._participants: a large load's keys checked once).
    masks: the monthly rows have edge masks to carry on (edge_days.kept; None: asked here).
    """
    since = month_key(dates[0]) if dates else 0
    if team_ids is None:
        members = None
        connection.execute(delete(T).where(T.c.month >= since))
    else:
        team_ids = sorted(set(team_ids))
        if not team_ids:
            return
        members = select(P.c.id).where(P.c.team_id.in_(team_ids))
        connection.execute(delete(T).where(or_(T.c.team_id.in_(team_ids), T.c.participant_id.in_(members)),
                                           T.c.month >= since))

    if masks is None:
        masks = edge_days.kept(connection)

    def of_members(stmt, column):
        return stmt if members is None else stmt.where(column.in_(members))
    # The total each participant carries into `since` (their latest row before it), and their months from it.
    kept = of_members(select(T.c.participant_id, func.max(T.c.month).label("month")), T.c.participant_id)
    kept = kept.group_by(T.c.participant_id).subquery()
    base = (select(kept.c.participant_id, kept.c.month, T.c.offered, T.c.attended)
            .join_from(kept, T, and_(T.c.participant_id == kept.c.participant_id, T.c.month == kept.c.month))
            .cte("base"))
    spans = of_members(select(M.c.participant_id, func.min(M.c.month).label("first"),
                              func.max(M.c.month).label("last")), M.c.participant_id).where(M.c.month >= since)
    spans = spans.group_by(M.c.participant_id).subquery()
    spans = (select(spans.c.participant_id, func.coalesce(_next(base.c.month), spans.c.first).label("first"),
                    spans.c.last, func.coalesce(base.c.offered, 0).label("offered"),
                    func.coalesce(base.c.attended, 0).label("attended"))
             .join_from(spans, base, base.c.participant_id == spans.c.participant_id, isouter=True).cte("spans"))
    # Every month from the earliest first to the latest last (a recursive CTE: the same on both databases).
    months = select(func.min(spans.c.first).label("m"), func.max(spans.c.last).label("top")).cte("months",
                                                                                                 recursive=True)
    months = months.union_all(select(_next(months.c.m), months.c.top).where(months.c.m < months.c.top))
    dense = (select(spans.c.participant_id, months.c.m.label("month"), (months.c.m == spans.c.last).label("is_last"),
                    spans.c.offered.label("base_offered"), spans.c.attended.label("base_attended"),
                    func.coalesce(M.c.offered, 0).label("offered"), func.coalesce(M.c.attended, 0).label("attended"),
                    *(func.coalesce(M.c[column], 0).label(column) for column in edge_days.COLUMNS if masks))
             .select_from(spans.join(months, months.c.m.between(spans.c.first, spans.c.last))
                          .outerjoin(M, (M.c.participant_id == spans.c.participant_id) & (M.c.month == months.c.m)))
             .subquery())
    so_far = {"partition_by": dense.c.participant_id, "order_by": dense.c.month}
    rows = (select(dense.c.participant_id, dense.c.month, P.c.team_id,
                   dense.c.base_offered + func.sum(dense.c.offered).over(**so_far),
                   dense.c.base_attended + func.sum(dense.c.attended).over(**so_far), dense.c.is_last,
                   *(dense.c[column] for column in edge_days.COLUMNS if masks))
            .select_from(dense.join(P, P.c.id == dense.c.participant_id)))
    # PostgreSQL without masks (migration 0022 fills the table with this code before 0027 adds them): the indexes
    # the model declares carry them, so those the migration made are kept.
    whole = team_ids is None and not since and (masks or connection.dialect.name != "postgresql")
    with _indexes_built_after(connection, whole), (checked_once or _as_is)(T):
        connection.execute(insert(T).from_select(COLUMNS + edge_days.COLUMNS if masks else COLUMNS, rows))
    if since:  # a kept last month followed by new ones is no longer the last
        later = select(M.c.month).where(M.c.participant_id == T.c.participant_id, M.c.month > T.c.month).exists()
        connection.execute(of_members(update(T), T.c.participant_id)
                           .where(T.c.is_last, T.c.month < since, later).values(is_last=False))


@contextmanager
def _indexes_built_after(connection, whole):
    """A rewrite of every participant's totals (its migration, engagement-refresh, the dashboard bench) builds
    the indexes once after the rows are in: kept in order row by row, 3.5 million rows took minutes."""
    if whole:
        for index in T.indexes:
            index.drop(connection, checkfirst=True)
    yield
    if whole:
        for index in T.indexes:
            index.create(connection, checkfirst=True)


def _as_is(table):
    """No bulk-load handling: keys checked and indexes kept row by row."""
    return nullcontext()


def _next(key):
    """The month after a yyyymm column's."""
    return case((key % 100 == 12, key + 89), else_=key + 1)


def _anchor(day):
    """(month whose total to take, first and last day to add (sign +1) or take away (-1), sign) for C(day).

    C(day) = total at the end of day's month minus its days after `day`, or the total of the month before
    plus its days up to `day`: whichever reads fewer days.
    """
    if day.day <= monthrange(day.year, day.month)[1] // 2:
        return previous_month(month_key(day)), day.replace(day=1), day, 1
    key, days = _days_after(day)
    return (key, None, None, 0) if days is None else (key, *days, -1)


def window_parts(window, members=None):
    """Selects of (participant_id, n, att) whose sums per participant are the sessions offered and attended in
    the window: the totals at the end anchor, minus those at the start anchor, corrected by edge days (SQLite's
    shape of window_numbers, which cost it 1.28x the CPU on a window cutting months at 1M rows).

    A participant whose sessions stopped between the anchors counts with their last total (the is_last rows);
    one whose sessions stopped before the start anchor has no row read and offered nothing in the window.
    members: a select of the participant ids to count (None: everyone).
    """
    end_key, end_first, end_last, end_sign = _anchor(window.end)
    start_key, start_first, start_last, start_sign = _anchor(window.start - timedelta(days=1))
    # Two selects, not one with OR: each reads its own index alone (ix_engagement_total_month, _last), where
    # the OR made PostgreSQL fetch every row from the table (19,000 pages at 12M rows).
    parts = [
        select(T.c.participant_id, T.c.offered.label("n"), T.c.attended.label("att")).where(T.c.month == end_key),
        select(T.c.participant_id, T.c.offered, T.c.attended)
        .where(T.c.is_last, T.c.month >= start_key, T.c.month < end_key),
        select(T.c.participant_id, -T.c.offered, -T.c.attended).where(T.c.month == start_key),
    ]
    for first, last, sign in ((end_first, end_last, end_sign), (start_first, start_last, -start_sign)):
        if first is not None:
            parts.append(select(D.c.participant_id, literal(sign) * D.c.offered, literal(sign) * D.c.attended)
                         .where(D.c.day.between(first, last)))
    if members is not None:
        parts = [part.where(part.selected_columns[0].in_(members)) for part in parts]
    return union_all(*parts)


def window_numbers(window, members=None):
    """PostgreSQL: a subquery of (participant_id, team_id, n, att): each participant's sessions offered and
    attended in the window, under the team their totals are filed under (a move rewrites them), for those with
    totals by its end.

    C(day) is the total of day's month less its days after `day`, counted from the same row's masks
    (edge_days), so an edge costs no daily row but those of days with two or more sessions. C(end) is read
    from the row of the end's month or, for someone whose sessions stopped between the start's month and that
    month, from their last row (is_last): whoever offered anything in the window has a row here. C(start - 1)
    is LEFT JOINed from its month (none: their sessions began after it), and so are the sessions beyond each
    edge day's first, summed per participant. members: a select of the participant ids to count (None: everyone).
    """
    end_key, end_days = _days_after(window.end)
    start_key, start_days = _days_after(window.start - timedelta(days=1))

    def total(days):  # C(day) from the row of day's month
        if days is None:
            return T.c.offered, T.c.attended
        n, att = edge_days.counted(T, *days)
        return T.c.offered - n, T.c.attended - att
    # Two selects, not one with OR: each reads its own index alone (ix_engagement_total_month, _last), where
    # the OR made PostgreSQL fetch every row from the table (19,000 pages at 12M rows).
    n, att = total(end_days)
    ends = [select(T.c.participant_id, T.c.team_id, n.label("n"), att.label("att")).where(T.c.month == end_key),
            select(T.c.participant_id, T.c.team_id, T.c.offered, T.c.attended)
            .where(T.c.is_last, T.c.month >= start_key, T.c.month < end_key)]
    n, att = total(start_days)
    starts = select(T.c.participant_id, n.label("n"), att.label("att")).where(T.c.month == start_key)
    beyond = [edge_days.beyond_first(*days, sign) for days, sign in ((end_days, -1), (start_days, 1)) if days]
    if members is not None:
        ends = [part.where(T.c.participant_id.in_(members)) for part in ends]
        starts = starts.where(T.c.participant_id.in_(members))
        beyond = [part.where(D.c.participant_id.in_(members)) for part in beyond]
    ends, starts = union_all(*ends).subquery(), starts.subquery()
    n, att = ends.c.n - func.coalesce(starts.c.n, 0), ends.c.att - func.coalesce(starts.c.att, 0)
    numbers = select(ends.c.participant_id, ends.c.team_id).join_from(
        ends, starts, starts.c.participant_id == ends.c.participant_id, isouter=True)
    if beyond:
        extra = union_all(*beyond).subquery()
        extra = (select(extra.c.participant_id, func.sum(list(extra.c)[1]).label("n"),
                        func.sum(list(extra.c)[2]).label("att")).group_by(extra.c.participant_id).subquery())
        numbers = numbers.join(extra, extra.c.participant_id == ends.c.participant_id, isouter=True)
        n, att = n + func.coalesce(extra.c.n, 0), att + func.coalesce(extra.c.att, 0)
    # OFFSET 0 keeps this subquery whole: PostgreSQL pulled n and att up into the join's filter and each of the
    # overview's sums, counting the masks up to five times per participant (0.80-0.93x with it, same-run, 12M).
    return numbers.add_columns(n.label("n"), att.label("att")).offset(0).subquery()


def _days_after(day):
    """(day's month, (first, last) of its days after `day`, None when it is the last)."""
    last = day.replace(day=monthrange(day.year, day.month)[1])
    return month_key(day), (None if day == last else (day + timedelta(days=1), last))
