"""The follow-up list's extra columns: when each participant last attended, and how many offered sessions in a
row they have missed since (the ones to call first)."""
from sqlalchemy import select

from dashboards.offered import P, offered_rows
from extensions import db


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
    """{participant id: (last attended, missed in a row)} over their offered sessions up to the window's end."""
    ids = list(participant_ids)
    if not ids:
        return {}
    o = offered_rows(P.c.id.in_(ids), None, window_end).subquery()
    history = {i: [] for i in ids}
    for pid, day, attended in db.session.execute(select(o.c.participant_id, o.c.session_date, o.c.attended)):
        history[pid].append((day, attended))
    return {pid: last_attended_and_missed(rows) for pid, rows in history.items()}
