"""Writing a checked goal tracking import: new goals with their ids taken beforehand, changed goals, new reviews.

imports/kinds/goals.py reads and checks the rows and plans what changes; this writes the plan inside the import's
transaction and leaves the planner statistics of what it loaded.
"""
from operator import itemgetter

from imports.kinds import writer
from imports.running import timings
from models import Goal, GoalReview, bulk_load

FIELDS = ("level", "parent_id", "date_set", "target_date", "status", "wording")  # Goal columns an import sets
LEVEL_ORDER = ("long_term", "short_term", "step")  # parents are written before what is part of them


def write(conn, ids, plan, progress=None):
    """Write a goal import's plan: new goals [(participant id, reference, values)] with parents first, changed
    goals [(id, participant id, values)], new reviews [(participant id, reference, day)], values in FIELDS order
    with the parent named by reference. `ids`: {(participant id, reference): goal id} of the goals recorded; the
    new goals' ids are added to it.

    New goals get ids taken beforehand (parents first, so what is part of them can name them); all goes in
    as bulk loads, like the attendance import's rows."""
    new, changed, new_reviews = plan
    new_ids = writer.new_ids(conn, Goal.__table__, len(new))
    ids.update(zip([(pid, ref) for pid, ref, _ in new], new_ids))
    timings.lap("write: ids of new goals")
    # Dates as the load takes them: as they are in PostgreSQL's binary COPY (the server parsed 300k dates as
    # text: 0.1-0.2 s of its CPU), as ISO text on SQLite, as SQLAlchemy stores them, so that the rows go in as
    # plain values (multi-row VALUES) instead of row by row. A file holds a few hundred distinct days, so each
    # is converted once.
    iso = _Days(text=conn.dialect.name != "postgresql")
    columns, review_columns = ("id", "participant_id", "reference", *FIELDS), ("goal_id", "review_date")
    parents = [ids[(pid, part_of)] if part_of else None for pid, _, (_, part_of, *_) in new]
    # The rows are made as the load takes them: on PostgreSQL the server writes the rows sent before while
    # the next ones are made, instead of waiting for the whole list.
    rows = ((goal_id, pid, ref, level, parent, iso[set_on], iso[target], status, wording)
            for goal_id, parent, (pid, ref, (level, _, set_on, target, status, wording)) in zip(new_ids, parents, new))
    reviewed = [ids[(pid, ref)] for pid, ref, _ in new_reviews]
    reviews = zip(reviewed, map(iso.__getitem__, map(itemgetter(2), new_reviews)))

    # The keys are checked against the values the rows hold (PostgreSQL), rather than by reading them back;
    # goals this transaction has just written are there by construction, and no one else can see them to delete
    # them, so only the recorded goals named are checked (and locked against deletion).
    def goal_keys():
        return {"participant_id": set(map(itemgetter(0), new)), "parent_id": set(parents) - {None} - set(new_ids)}

    def review_keys():
        return {"goal_id": set(reviewed) - set(new_ids)}

    with bulk_load.larger_cache(conn, len(new) + len(new_reviews) >= bulk_load.BULK_ROWS):
        with bulk_load.checked_and_indexed_once(conn, Goal.__table__, len(new), references=goal_keys), \
                bulk_load.sqlite_checks_once(conn, Goal.__table__, len(new)):
            writer.insert_rows(conn, Goal.__table__, columns, rows, plain=True, binary=True)
        timings.lap("write: new goals (keys checked, indexes built)")
        writer.update_rows(conn, Goal.__table__, FIELDS, [
            (goal_id, values[0], ids[(pid, values[1])] if values[1] else None, *values[2:])
            for goal_id, pid, values in changed])
        with bulk_load.checked_and_indexed_once(conn, GoalReview.__table__, len(new_reviews), references=review_keys):
            writer.insert_rows(conn, GoalReview.__table__, review_columns, reviews, progress, plain=True,
                               binary=True)
    timings.lap("write: changed goals, new reviews")
    # Statistics of what was just loaded: without them PostgreSQL planned the evidence panel's goal joins
    # as nested loops over whole-table scans (15 s, a 503, against 55 ms at 50,000 goals).
    for table in (Goal.__table__, GoalReview.__table__):
        conn.exec_driver_sql(f"ANALYZE {table.name}")
    timings.lap("write: ANALYZE goal, goal_review")
    return set()  # goals move no engagement numbers


class _Days(dict):
    """date -> its ISO text (`text`) or the date itself, each date converted once."""

    def __init__(self, text):
        super().__init__()
        self.text = text

    def __missing__(self, day):
        self[day] = value = day.isoformat() if self.text else day
        return value

