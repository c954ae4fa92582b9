"""Statements planned once per connection (PostgreSQL): the few a page sends on every request whose planning
costs as much as running them.

Every other statement is planned anew for its own values (config.py). The participants' statement with the goals
panel's findings and the follow-up list's columns (goals_panel.py) is a union of five selects: at 12M rows the
server spent 7 ms planning it for 8 ms of running (12-36 ms planning on a loaded server), each request. Asked with
PREPARED, it is prepared on the connection the first time and the server plans it as it judges best from then on:
for its first five runs with their own values, after that with one plan for any values when that plan is no
costlier (plan_cache_mode auto). The rows are the same either way: only the plan is kept, never a row.

psycopg forgets what it prepared on a ROLLBACK of a transaction (a POST's end), and has the server forget it too; the
statement is prepared again on its next run. A GET's connection reads in autocommit (ops/faults.py): no ROLLBACK,
so it keeps it.

do_execute is the engine's listener, set with its other PostgreSQL listeners (ops/faults.init_app).
"""

PREPARED = {"prepared": True}  # execution options of a statement to prepare (PostgreSQL; elsewhere ignored)
_ONLY_WHEN_ASKED = 2 ** 62  # a prepare_threshold no statement reaches: psycopg prepares what it is asked to, no more


def do_execute(cursor, statement, parameters, context):
    """The dialect's do_execute for a statement asked with PREPARED: psycopg prepares it on first use.

    The connection's prepare_threshold is None (config.py), with which psycopg prepares nothing, not even when asked;
    it is lifted for this statement alone, as any other number would also have every executemany prepared."""
    if not context.execution_options.get("prepared"):
        return None
    connection = cursor.connection
    threshold, connection.prepare_threshold = connection.prepare_threshold, _ONLY_WHEN_ASKED
    try:
        cursor.execute(statement, parameters, prepare=True)
    finally:
        connection.prepare_threshold = threshold
    return True

