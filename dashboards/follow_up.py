"""The follow-up list's extra columns: when each participant last attended, and how many offered sessions in a
row they have missed since (the ones to call first)."""
from sqlalchemy import and_, func, or_, select

from dashboards.models import EngagementDay
from extensions import db
from scoring.engagement import month_key

D = EngagementDay.__table__


def last_attended_and_missed(history):
    """(last attended date or None, sessions missed in a row at the end) of [(session date, attended 0/1)]."""
    last, missed = None, 0
    for day, attended in sorted(history):
        if attended:
            last, missed = day, 0
        else:
            missed += 1
    return last, missed


def follow_up_columns(participant_ids, window_end):
    """{participant id: (last attended, missed in a row)} over their offered sessions up to the window's end.

    From the daily summaries, the unit's own rows: the last day with an attended session, then the sessions
    offered on the days after it (last_attended_and_missed's rule: a session missed on the day of the last
    attended one does not count, the attended one being taken as the later). Two plain statements: one with
    the last day as a correlated subquery was planned as a scan of every participant's days.
    """
    ids = list(participant_ids)
    if not ids:
        return {}
    key = month_key(window_end)
    upto = (D.c.month <= key, D.c.day <= window_end)
    last = dict(db.session.execute(select(D.c.participant_id, func.max(D.c.day))
                                   .where(D.c.participant_id.in_(ids), D.c.attended > 0, *upto)
                                   .group_by(D.c.participant_id)).all())
    never = [pid for pid in ids if pid not in last]
    after = [and_(D.c.participant_id == pid, D.c.month >= month_key(day), D.c.day > day) for pid, day in last.items()]
    if never:
        after.append(D.c.participant_id.in_(never))
    missed = dict(db.session.execute(select(D.c.participant_id, func.sum(D.c.offered))
                                     .where(or_(*after), *upto).group_by(D.c.participant_id)).all())
    return {pid: (last.get(pid), int(missed.get(pid, 0))) for pid in ids}
