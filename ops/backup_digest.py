"""Row counts and order-independent checksums of every table, and the schema revision a database is at."""
import hashlib
import json
import warnings
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.exc import SAWarning

_MODULUS = 2 ** 256


def _encode(value) -> bytes:
    """One value as tagged bytes, the same for equal values read from the same kind of database."""
    if value is None:
        return b"N"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"B" + bytes(value)
    if isinstance(value, (dict, list)):
        return b"J" + json.dumps(value, sort_keys=True, default=str).encode()
    if isinstance(value, (datetime, date, time)):
        return b"T" + value.isoformat().encode()
    if isinstance(value, (float, Decimal)):
        return b"F" + repr(value).encode()
    return b"S" + str(value).encode()


def _row_digest(row) -> int:
    h = hashlib.sha256()
    for value in row:
        part = _encode(value)
        h.update(len(part).to_bytes(8, "big"))  # length first, so ("ab", "c") and ("a", "bc") differ
        h.update(part)
    return int.from_bytes(h.digest(), "big")


def table_digests(conn) -> dict:
    """{table: {"rows": n, "checksum": hex}} for every table; the checksum ignores row order, counts duplicates."""
    meta = MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # partial indexes are not reflected; rows are all we read
        meta.reflect(bind=conn)
    found = {}
    for name in sorted(meta.tables):
        table = meta.tables[name]
        total = count = 0
        # Summing the rows' digests makes the checksum independent of the order the database returns them in.
        for row in conn.execution_options(yield_per=2000).execute(select(table)):
            total = (total + _row_digest(row)) % _MODULUS
            count += 1
        found[name] = {"rows": count, "checksum": f"{total:064x}"}
    return found


def schema_revisions(conn) -> list[str]:
    """The Alembic revisions a database is at (several while feature branches are unmerged); [] for none."""
    if not inspect(conn).has_table("alembic_version"):
        return []
    return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def rows_held(conn) -> dict:
    """{table: rows} for tables holding data, the schema's own bookkeeping left out."""
    held = {}
    for name in sorted(inspect(conn).get_table_names()):
        if name == "alembic_version":
            continue
        quoted = conn.dialect.identifier_preparer.quote(name)
        count = conn.execute(text(f"SELECT count(*) FROM {quoted}")).scalar()
        if count:
            held[name] = count
    return held
