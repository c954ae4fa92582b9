"""Bulk writes inside the caller's transaction: Core executemany (or multi-row VALUES) on SQLite, COPY on PostgreSQL.

Measured here: ORM add_all is ~10x slower than Core executemany; on PostgreSQL COPY is ~8x faster than
executemany. Rows go in chunks so memory stays flat; nothing here commits.
"""
import json
import sqlite3
from itertools import chain, islice

from sqlalchemy import bindparam, insert, update

CHUNK = 20_000


def _chunks(rows, size=None):
    size = size or CHUNK
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def insert_rows(conn, table, columns, rows, progress=None, plain=False, binary=False):
    """Insert tuples (in `columns` order); returns how many. `progress(n)` is told after each chunk.

    `plain`: the values are ints, strings and None only. SQLite then gets them as multi-row
    `INSERT .. VALUES (?, ?, ?), (?, ?, ?), ..` statements of as many rows as its parameter limit allows,
    bound by the sqlite3 module in C: no per-row parameter processing by SQLAlchemy and no per-row statement
    step (500k attendance rows: executemany 2.5 s, one JSON array per chunk unpacked by json_each 1.6 s,
    VALUES a third of JSON's CPU time).
    `binary`: on PostgreSQL, each value is of its column's own Python type (a date, not its text), and the
    rows go as COPY's binary format: the server reads a date as four bytes instead of parsing text.
    """
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, columns, rows, progress, binary)
    done = 0
    statement = insert(table)
    values = _values_insert(conn, table, columns) if plain and conn.dialect.name == "sqlite" else None
    for chunk in _chunks(rows):
        if values:
            values(chunk)
        else:
            conn.execute(statement, [dict(zip(columns, row)) for row in chunk])
        done += len(chunk)
        if progress:
            progress(done)
    return done


def _values_insert(conn, table, columns):
    """chunk -> None: inserts a chunk of plain tuples into a SQLite table by multi-row VALUES statements."""
    raw = conn.connection.driver_connection
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(raw, "getlimit") else 999
    per = max(1, min(CHUNK, limit // len(columns)))
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    row = f"({', '.join('?' * len(columns))})"
    full = head + ", ".join([row] * per)  # the same text each time: the sqlite3 module keeps it prepared

    def insert_chunk(chunk):
        for start in range(0, len(chunk), per):
            part = chunk[start:start + per]
            conn.exec_driver_sql(full if len(part) == per else head + ", ".join([row] * len(part)),
                                 tuple(chain.from_iterable(part)))
    return insert_chunk


def new_ids(conn, table, count, above=0):
    """`count` unused ids of the table, for rows the caller writes with their own ids in its transaction.

    PostgreSQL: from the table's sequence in one query, its name looked up once (pg_get_serial_sequence() in
    the select list ran once per row, a catalog look-up each time: 100k ids on a busy machine 1.4-1.5 s,
    against 0.24-0.55 s so), as one array in binary, which psycopg unpacks in C (100k ids as rows: 0.10 s of
    CPU here and 0.58 s wall, median of 7 alternating runs at load 7; as an array 0.007 s and 0.31 s).
    SQLite: the highest id plus one on, after taking the database's one write lock (BEGIN IMMEDIATE unless
    the transaction holds it already), so no other writer adds a row before the caller's commit. No table
    here is AUTOINCREMENT, so SQLite itself would hand out the same ids. `above`: on SQLite, the highest id
    the caller took already and has not written yet (imports/kinds/attendance_early.py): the new ones follow it.
    """
    if not count:
        return []
    if conn.dialect.name == "postgresql":
        sequence = conn.exec_driver_sql("SELECT pg_get_serial_sequence(%(t)s, 'id')", {"t": table.name}).scalar()
        with conn.connection.driver_connection.cursor(binary=True) as cursor:
            cursor.execute("SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)", (sequence, count))
            return cursor.fetchone()[0]
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    top = max(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar(), above)
    return range(top + 1, top + 1 + count)


def insert_returning_ids(conn, table, rows: list[dict], taken=None) -> list[int]:
    """Insert dicts (all with the same keys) and return their new ids in the same order.

    `taken`: ids the caller took already (new_ids) for some of the rows, None for the others, row by row.

    The ids are taken first (new_ids) and the rows go in with them: by COPY on PostgreSQL (12,500 sessions:
    0.6 s with INSERT .. RETURNING, under 0.1 s so), as one executemany per chunk on SQLite (SQLAlchemy sent
    RETURNING one row at a time: 12,500 sessions 0.25 s of CPU, now a few hundredths). A SQLite connection
    in autocommit holds no lock between statements, so there the rows go one by one with RETURNING.
    """
    if not rows:
        return []
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite" and raw.isolation_level is None:  # autocommit
        ids = []
        for chunk in _chunks(rows, 5_000):
            result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk)
            ids.extend(row[0] for row in result)
        return ids
    if taken:
        fresh = iter(new_ids(conn, table, taken.count(None), above=max(filter(None, taken), default=0)))
        ids = [next(fresh) if given is None else given for given in taken]
    else:
        ids = list(new_ids(conn, table, len(rows)))
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        _copy(conn, table, ("id", *columns), ((new_id, *(row[c] for c in columns)) for new_id, row in zip(ids, rows)))
    else:
        for chunk in _chunks(zip(ids, rows), 5_000):
            conn.execute(insert(table), [{"id": new_id, **row} for new_id, row in chunk])
    return ids


def _copy(conn, table, columns, rows, progress=None, binary=False):
    """COPY tuples into a PostgreSQL table inside the caller's transaction; returns how many.

    `binary`: in COPY's binary format, each column sent as the type the table has for it (the catalog's, not
    the model's, so the two can never disagree).
    """
    done = 0
    raw = conn.connection.driver_connection  # psycopg 3, inside the same transaction
    with raw.cursor() as cursor:
        if binary:
            cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                           (table.name,))
            types = dict(cursor.fetchall())
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
                         + (" (FORMAT BINARY)" if binary else "")) as copy:
            if binary:
                copy.set_types([types[column] for column in columns])
            for chunk in _chunks(rows):
                for row in chunk:
                    copy.write_row(row)
                done += len(chunk)
                if progress:
                    progress(done)
    return done


def update_rows(conn, table, columns, rows, plain=False):
    """UPDATE table SET columns WHERE id for tuples (id, *values).

    `plain` (ints, strings and None only): each chunk goes as one JSON array joined in one UPDATE .. FROM,
    as insert_rows does on SQLite; PostgreSQL reads it as records of the table's own row type. A corrected
    file that changes all of 500k attendance records took 18 s (SQLite) and 25 s (PostgreSQL) as an
    executemany.
    """
    rows = iter(rows)
    if plain and conn.dialect.name == "postgresql":
        sets = ", ".join(f"{name} = v.{name}" for name in columns)
        sql = (f"UPDATE {table.name} SET {sets} FROM json_populate_recordset(NULL::{table.name}, %(rows)s) AS v "
               f"WHERE {table.name}.id = v.id")
        for chunk in _chunks(rows):
            conn.exec_driver_sql(sql, {"rows": json.dumps([dict(zip(("id", *columns), row)) for row in chunk])})
        return
    if plain and conn.dialect.name == "sqlite" and conn.dialect.dbapi.sqlite_version_info >= (3, 33):  # UPDATE FROM
        picked = ", ".join(f"json_extract(value, '$[{i + 1}]') AS {name}" for i, name in enumerate(columns))
        sets = ", ".join(f"{name} = v.{name}" for name in columns)
        sql = (f"UPDATE {table.name} SET {sets} FROM (SELECT json_extract(value, '$[0]') AS id, {picked} "
               f"FROM json_each(?)) AS v WHERE {table.name}.id = v.id")
        for chunk in _chunks(rows):
            conn.exec_driver_sql(sql, (json.dumps(chunk),))
        return
    statement = (update(table).where(table.c.id == bindparam("_id"))
                 .values({name: bindparam(f"_{name}") for name in columns}))
    for chunk in _chunks(rows):
        conn.execute(statement, [{"_id": row[0], **{f"_{n}": v for n, v in zip(columns, row[1:])}} for row in chunk])

