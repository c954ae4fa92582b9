"""Loading many rows at once inside the caller's transaction (imports, summary refreshes): on PostgreSQL
the foreign keys of the new rows are checked once, in one query per key, instead of row by row; on SQLite
the plain indexes are built once, CHECK constraints tested once, and the page cache is enlarged while it runs.
Neither takes a lock that readers wait on."""
from contextlib import contextmanager

from sqlalchemy import CheckConstraint
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError

# Loads of at least BULK_ROWS rows have their foreign keys checked once (PostgreSQL); on SQLite their plain
# indexes are built once when the load is also BULK_SHARE of the table.
BULK_ROWS, BULK_SHARE = 50_000, 0.25


@contextmanager
def checked_and_indexed_once(conn, table, rows, source=None, references=None):
    """Large loads: check (PostgreSQL) the foreign keys of the rows inserted in the block once, not per row.

    500k attendance rows cost PostgreSQL ~6 s of row-by-row foreign-key checks (each a query and a row
    lock). Here the block runs with the row-by-row checks off for this transaction only (`SET LOCAL
    session_replication_role = replica`) and, after it, each key is checked once for all the new rows: the
    rows they reference are locked FOR KEY SHARE (as the row-by-row check does, so nobody deletes them
    before commit) and counted against the distinct references. A dangling reference raises IntegrityError
    and the caller's transaction rolls back, so no unchecked row is ever committed.

    No table lock beyond the insert's own: readers of the table and of the referenced tables never wait
    (dropping the keys, as before, locked participant and imr_session against every page for the load).
    The plain indexes stay and are kept in order row by row: dropping one is a lock readers wait on too.

    Only the rows the block inserts are checked: those of `source` (a table holding exactly them) when
    given, else the rows of `table` whose id is above the highest before the block. Updates inside the
    block must leave the keys alone. `references`, a function returning {column: the distinct values the
    new rows hold in it, or at least those not written in this transaction; called only where keys are
    checked once), checks those values when it covers every key, instead of reading the new rows back: the
    table needs no id then, and 100k goals' keys took 0.04 s of server CPU each instead of 0.09-0.12 s.
    The setting needs a superuser or, on PostgreSQL 15+, `GRANT SET ON PARAMETER session_replication_role`;
    without it the rows are checked one by one (slower, lock-free too).
    Yields True when the keys are checked once. On SQLite the plain indexes are built once instead.
    """
    if rows < BULK_ROWS or conn.dialect.name not in ("postgresql", "sqlite"):
        yield False
        return
    if conn.dialect.name == "sqlite":
        with _sqlite_indexes_built_once(conn, table, rows):
            yield False  # SQLite's row-by-row checks are cheap, and it has no way to defer them
        return
    keys = _single_column_keys(conn, table)
    listed = _listed(keys, references)
    if not keys or (listed is None and source is None and "id" not in table.c) or not _row_checks_off(conn):
        yield False
        return
    after = None if listed is not None or source is not None else \
        conn.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar()
    try:
        yield True
    except BaseException:
        _row_checks_on(conn, quietly=True)  # the transaction is rolled back anyway; never leave them off
        raise
    _row_checks_on(conn)
    _check_keys(conn, table.name, keys, listed, source, after)


def _listed(keys, references):
    """{column: values} from `references()` when it lists every key's values, else None (the rows are read)."""
    references = references() if references is not None else None
    return references if references is not None and all(column in references for _, column, _, _ in keys) else None


def _check_keys(conn, table, keys, listed=None, source=None, after=None):
    """Check each key once: its values as listed ({column: values}) when given, else as the new rows hold them."""
    for name, column, target, target_column in keys:
        if listed is not None:
            _check_listed(conn, table, name, column, target, target_column, listed[column])
        else:
            _check_once(conn, table, source, after, name, column, target, target_column)


def _single_column_keys(conn, table):
    """[(name, column, referenced table, referenced column)] of the table's foreign keys, or [] when any
    key spans several columns (left to the row-by-row checks)."""
    keys = conn.exec_driver_sql(
        "SELECT quote_ident(k.conname), array_length(k.conkey, 1), quote_ident(a.attname), "
        "k.confrelid::regclass::text, quote_ident(r.attname) FROM pg_constraint k "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
        "JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = k.confkey[1] "
        "WHERE k.conrelid = %(t)s::regclass AND k.contype = 'f' ORDER BY k.conname", {"t": table.name}).all()
    if any(width != 1 for _, width, *_ in keys):
        return []
    return [(name, column, target, target_column) for name, _, column, target, target_column in keys]


def _row_checks_off(conn):
    """Turn the row-by-row foreign-key triggers off until the block ends; False when not permitted."""
    savepoint = conn.begin_nested()  # a refused SET must not abort the caller's transaction
    try:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except ProgrammingError:  # insufficient privilege: neither superuser nor granted SET on the parameter
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def row_checks_off_for(conn, table):
    """A load of `table` that spans steps no block can hold (imports/kinds/attendance_early.py): the row-by-row
    checks off from now, as in checked_and_indexed_once; returns the highest id before the load, for
    check_rows_after at its end, or None when not permitted (or a key spans columns: checked row by row).
    A rollback turns the checks back on with the rest (on SQLite, with checks_back_after_rollback).

    On SQLite the load's rows may refer to rows written later in the transaction (an attendance row to its
    session): the foreign keys are deferred to the commit, which SQLite checks exactly (it counts the
    dangling references and refuses to commit while any is left), and CHECK constraints are tested once at
    the end, as sqlite_checks_once does."""
    if "id" not in table.c:
        return None
    if conn.dialect.name == "sqlite":
        if not conn.connection.driver_connection.in_transaction:  # outside one, the setting would end at once
            conn.exec_driver_sql("BEGIN")
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until the transaction ends
        conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    elif conn.dialect.name != "postgresql" or not _single_column_keys(conn, table) or not _row_checks_off(conn):
        return None
    return conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar()


def checks_back_after_rollback(conn):
    """After a rollback to a savepoint taken before row_checks_off_for: SQLite's settings are no part of
    the transaction, so they are set back here (PostgreSQL's SET LOCAL went back with the rollback)."""
    if conn.dialect.name == "sqlite":
        _sqlite_checks_on(conn)


def check_rows_after(conn, table, after, references=None):
    """The end of a load begun by row_checks_off_for: checks back on, the new rows' keys checked once
    (`references` as for checked_and_indexed_once). On SQLite the keys are left to the commit (the rows
    they refer to may be written later still) and the CHECK constraints tested over the new rows."""
    if conn.dialect.name == "sqlite":
        _sqlite_checks_on(conn)
        _test_checks(conn, table, after)
        return
    _row_checks_on(conn)
    keys = _single_column_keys(conn, table)
    _check_keys(conn, table.name, keys, _listed(keys, references), None, after)


def _sqlite_checks_on(conn):
    """CHECKs tested row by row again. The keys stay deferred until the transaction ends (SQLite turns the
    setting off then): turned off before, SQLite forgets the dangling references it counted and commits them."""
    conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")


@contextmanager
def checked_row_by_row(conn):
    """Inside a block of checked_and_indexed_once that checks once: the rows written here are checked row by
    row (they are not the load's: the sessions an attendance load refers to, written in the middle of it).
    On SQLite their keys are checked at the commit, with the load's."""
    if conn.dialect.name == "sqlite":
        yield
        return
    _row_checks_on(conn)
    yield
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")


def _row_checks_on(conn, quietly=False):
    try:
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
    except DBAPIError:
        if not quietly:
            raise


def _check_once(conn, table, source, after, name, column, target, target_column):
    """Lock the rows the new rows reference (FOR KEY SHARE) and raise IntegrityError if any is missing."""
    new = f"{source} AS n WHERE" if source else f"{table} AS n WHERE n.id > %(after)s AND"
    new += f" n.{column} IS NOT NULL"
    params = {"after": -1 if after is None else after}
    wanted, locked = conn.exec_driver_sql(  # the new rows are read once: 500k attendance rows ~0.3 s per key
        f"WITH wanted AS MATERIALIZED (SELECT DISTINCT n.{column} AS key FROM {new}) "
        f"SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM (SELECT 1 FROM {target} "
        f"WHERE {target_column} IN (SELECT key FROM wanted) FOR KEY SHARE) AS locked)", params).one()
    if wanted == locked:
        return
    missing = conn.exec_driver_sql(
        f"SELECT n.{column} FROM {new} AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{target_column} = "
        f"n.{column}) LIMIT 1", params).scalar()
    _dangling(table, name, column, target, missing)


def _check_listed(conn, table, name, column, target, target_column, values):
    """As _check_once, for the key values the caller listed (one array: the new rows are not read back)."""
    params = {"keys": list(values)}
    if not params["keys"]:
        return
    locked = conn.exec_driver_sql(f"SELECT count(*) FROM (SELECT 1 FROM {target} WHERE {target_column} = "
                                  "ANY(%(keys)s) FOR KEY SHARE) AS locked", params).scalar()
    if locked == len(params["keys"]):
        return
    missing = conn.exec_driver_sql(f"SELECT k FROM unnest(%(keys)s) AS k WHERE NOT EXISTS (SELECT 1 FROM {target} t "
                                   f"WHERE t.{target_column} = k) LIMIT 1", params).scalar()
    _dangling(table, name, column, target, missing)


def _dangling(table, name, column, target, missing):
    """Raise the IntegrityError PostgreSQL's own check would have raised for the first missing key."""
    message = (f'insert or update on table "{table}" violates foreign key constraint "{name}"\n'
               f'DETAIL:  Key ({column})=({missing}) is not present in table "{target}".')
    raise IntegrityError(f"foreign key {name} checked once for the load", {column: missing}, Exception(message))


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


@contextmanager
def sqlite_checks_once(conn, table, rows):
    """SQLite, large loads: test the table's CHECK constraints once over the new rows instead of row by row.

    100k goals: their four CHECKs cost 0.24 s of a 0.55 s insert tested row by row, 0.05 s as one query
    afterwards. The block runs with `PRAGMA ignore_check_constraints`; after it, the rows whose id is above
    the highest before are tested against each CHECK the model declares, and a row that breaks one raises
    IntegrityError naming it, so the caller's transaction rolls back and no unchecked row is committed.
    PostgreSQL has no such setting: there, and for small loads, nothing changes.
    """
    checks = [c for c in table.constraints if isinstance(c, CheckConstraint)]
    if conn.dialect.name != "sqlite" or rows < BULK_ROWS or not checks or "id" not in table.c:
        yield
        return
    after = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar()
    before = conn.exec_driver_sql("PRAGMA ignore_check_constraints").scalar()
    conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA ignore_check_constraints = {int(before)}")
    _test_checks(conn, table, after, checks)


def _test_checks(conn, table, after, checks=None):
    """Raise IntegrityError naming the first CHECK constraint (of `checks`, else all the table declares) a row of
    `table` with an id above `after` breaks."""
    for check in checks or (c for c in table.constraints if isinstance(c, CheckConstraint)):
        name = conn.dialect.identifier_preparer.format_constraint(check)
        broken = conn.exec_driver_sql(f"SELECT id FROM {table.name} WHERE id > ? AND NOT ({check.sqltext}) LIMIT 1",
                                      (after,)).scalar()
        if broken is not None:
            raise IntegrityError(f"CHECK constraint {name} tested once for the load", {"id": broken},
                                 Exception(f"CHECK constraint failed: {name} (row id {broken})"))
