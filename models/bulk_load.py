"""Loading many rows at once inside the caller's transaction (imports, summary refreshes): on PostgreSQL
the foreign keys are checked, and the plain indexes built, once for the load; on SQLite the plain indexes
are built once and the page cache is enlarged while it runs."""
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError

# Foreign keys are checked (and plain indexes built) once per load rather than row by row for loads of at
# least BULK_ROWS rows that are also BULK_SHARE of the table, when the locks come within LOCK_WAIT_MS.
BULK_ROWS, BULK_SHARE, LOCK_WAIT_MS = 50_000, 0.25, 2_000


@contextmanager
def checked_and_indexed_once(conn, table, rows):
    """Large loads: build `table`'s plain indexes and (PostgreSQL) check its foreign keys once, not per row.

    500k attendance rows cost PostgreSQL ~6 s of row-by-row foreign-key checks (each a query and a row
    lock) and ~1.5 s of keeping the covering index in order row by row; dropping the keys and plain
    indexes, loading, and adding them back (one join, one sort) is the PostgreSQL manual's advice for bulk
    loads ("Populating a Database"). Unique and primary-key indexes stay: they decide what is a duplicate.
    It all happens inside the caller's transaction, so no unchecked row is ever committed: a failed check,
    an error or a killed process rolls the keys and indexes back with everything else.

    The table is locked against readers until commit, and the referenced tables against writers, so this
    is done only for loads of BULK_ROWS rows or more that are also BULK_SHARE of the table. The locks are
    taken first, in one order, so two large imports wait for each other instead of deadlocking; when they
    are not free within LOCK_WAIT_MS the rows are checked one by one as usual. Yields True when the keys
    are checked once.
    """
    if rows < BULK_ROWS or conn.dialect.name not in ("postgresql", "sqlite"):
        yield False
        return
    if conn.dialect.name == "sqlite":
        with _sqlite_indexes_built_once(conn, table, rows):
            yield False  # SQLite's foreign keys cannot be dropped; its row-by-row checks are cheap
        return
    present = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = %(t)s::regclass",
                                   {"t": table.name}).scalar()
    keys = conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid), confrelid::regclass::text FROM pg_constraint "
        "WHERE conrelid = %(t)s::regclass AND contype = 'f' ORDER BY conname", {"t": table.name}).all()
    if not keys or rows < BULK_SHARE * max(present or 0, 0):
        yield False
        return
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(LOCK_WAIT_MS)}")
        referenced = ", ".join(sorted({target for _, _, target in keys}))
        conn.exec_driver_sql(f"LOCK TABLE {referenced} IN SHARE ROW EXCLUSIVE MODE")
        conn.exec_driver_sql(f"LOCK TABLE {table.name} IN ACCESS EXCLUSIVE MODE")
        conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
    except OperationalError:  # another transaction holds them: check row by row rather than wait
        savepoint.rollback()
        yield False
        return
    savepoint.commit()
    indexes = _plain_indexes(conn, table)
    conn.exec_driver_sql(f"ALTER TABLE {table.name} " + ", ".join(f"DROP CONSTRAINT {name}" for name, _, _ in keys))
    if indexes:
        conn.exec_driver_sql("DROP INDEX " + ", ".join(name for name, _ in indexes))
    yield True
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    conn.exec_driver_sql(f"ALTER TABLE {table.name} " +
                         ", ".join(f"ADD CONSTRAINT {name} {definition}" for name, definition, _ in keys))


def _plain_indexes(conn, table):
    """[(name, CREATE INDEX statement)] of the table's indexes that enforce nothing (not unique, no constraint)."""
    return conn.exec_driver_sql(
        "SELECT quote_ident(c.relname), pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %(t)s::regclass AND NOT i.indisunique "
        "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY c.relname", {"t": table.name}).all()


@contextmanager
def _sqlite_indexes_built_once(conn, table, rows):
    """SQLite, large loads: drop the table's plain indexes and build each once after the rows are in.

    500k attendance rows: ~0.4 s less than keeping the covering index in order row by row. The sqlite3
    module opens a transaction only before a data change, so one is opened here first: the drop is then
    part of the caller's transaction, and a failure or a killed process gives the indexes back. The
    table's size is estimated by its highest id, which deleted rows only raise, so it errs towards keeping.
    """
    present = conn.exec_driver_sql(f"SELECT max(rowid) FROM {table.name}").scalar() or 0
    if rows < BULK_SHARE * present:
        yield
        return
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name", (table.name,)).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, definition in indexes:
        conn.exec_driver_sql(definition)


@contextmanager
def larger_cache(conn, large, mib=64):
    """SQLite, large loads: a 64 MiB page cache while the rows go in, then back to what it was.

    With SQLite's default 2 MiB, inserting 500k rows kept re-reading the pages of the tables' indexes
    (3.9 s, against 3.2 s with the larger cache). The import gives its workbook's memory back before
    writing, so the cache does not raise its peak.
    """
    if conn.dialect.name != "sqlite" or not large:
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(mib) * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
