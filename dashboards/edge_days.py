"""Which days of a month had a session offered, and which one attended, as two bitmasks per participant and
month (PostgreSQL), so the state overview counts the days of a window's partial edge months from the running
totals' own rows instead of reading every participant's daily rows between the month's end and the edge (~395k
rows at state scale for a window cutting months at both ends).

engagement_month.offered_days has the bit of every day with a session offered set, attended_days the bit of
every day with one attended: summed from the daily rows by masks() where the monthly rows are computed
(summaries._months), and carried into engagement_total (running_totals.refresh). The sessions of some days of
a month are then the days' bits counted, plus, for days with two or more sessions (a group and an individual
session, two groups), the sessions beyond the first: those few daily rows are read through a partial index of
their own (ix_engagement_day_several), so the count is exact for any number of sessions a day.

A day's bit is its number of days since 2000-01-01 modulo 32: a month's 28-31 days have distinct bits, and it
takes integer arithmetic only (the refresh computes it for every daily row). SQLite keeps the daily rows
(running_totals.window_parts): there the columns stay NULL and nothing computes them.
"""
from datetime import date, timedelta

from sqlalchemy import Date, Integer, case, cast, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import BIT

from dashboards.models import EngagementDay

D = EngagementDay.__table__
EPOCH = date(2000, 1, 1)
COLUMNS = ["offered_days", "attended_days"]


def kept(connection):
    """Whether this database keeps the masks: PostgreSQL (from migration 0027_edge_days on: the migrations before it
    that run today's refresh, 0019 and 0022, say masks=False themselves)."""
    return connection.dialect.name == "postgresql"


def masks():
    """The one rule: the monthly masks as aggregates over a participant's daily rows of one month."""
    bit = literal(1).op("<<")((D.c.day - literal(EPOCH, Date)).op("&")(31))
    return [func.bit_or(bit).label(COLUMNS[0]), func.bit_or(case((D.c.attended > 0, bit), else_=0)).label(COLUMNS[1])]


def bits(first, last):
    """The mask of the days first to last (of one month), as PostgreSQL's integer holds it (bit 31 the sign)."""
    mask = 0
    for n in range((last - first).days + 1):
        mask |= 1 << ((first + timedelta(days=n) - EPOCH).days & 31)
    return mask - (1 << 32) if mask >= 1 << 31 else mask


def counted(table, first, last):
    """(offered, attended) of a monthly or running-total row's month on the days first to last, by its masks,
    one session a day; beyond_first adds the rest."""
    mask = literal(bits(first, last), Integer)
    return tuple(func.bit_count(cast(table.c[column].op("&")(mask), BIT(32))) for column in COLUMNS)


def beyond_first(first, last, sign):
    """A select of (participant_id, offered, attended) x sign: the sessions beyond each day's first between the
    dates, which the masks count once (the partial index holds the days with two or more offered; a day with
    two attended has two offered)."""
    return (select(D.c.participant_id, literal(sign) * (D.c.offered - 1),
                   literal(sign) * (D.c.attended - case((D.c.attended > 0, 1), else_=0)))
            .where(D.c.day.between(first, last), D.c.offered > literal_column("1")))  # the index's own predicate
