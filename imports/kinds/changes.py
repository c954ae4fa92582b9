"""The preview's lines (ImportChange rows): written in chunks, digested, and compared at commit time.

A line is a tuple (action, record, subject, sheet, sheet row, field, old value, new value, cleared), values
as the clerk reads them. Handlers yield lines lazily, so that 500,000 new attendance rows never sit in
memory as lines: each chunk is written and folded into the digest, then dropped.
"""
import hashlib
from itertools import islice

from sqlalchemy import delete, select

from imports.kinds import writer
from imports.models import ImportChange

COLUMNS = ("action", "record", "subject", "sheet", "sheet_row", "field", "old_value", "new_value", "cleared")
CHUNK = 20_000


def shown(value):
    """A stored value as the clerk reads it: dates yyyy-mm-dd, None stays None."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _chunks(lines):
    lines = iter(lines)
    while chunk := list(islice(lines, CHUNK)):
        yield chunk


def digest(lines):
    """(sha256 hex of the lines in order, how many): the plan a preview promised."""
    found, count = hashlib.sha256(), 0
    for chunk in _chunks(lines):
        found.update(repr(chunk).encode())
        count += len(chunk)
    return found.hexdigest(), count


def replace(conn, batch_id, lines):
    """Delete a batch's lines and write these in chunks; returns (digest, count) as `digest` would."""
    conn.execute(delete(ImportChange.__table__).where(ImportChange.batch_id == batch_id))
    found, count = hashlib.sha256(), 0

    def rows():
        nonlocal count
        for chunk in _chunks(lines):
            found.update(repr(chunk).encode())
            count += len(chunk)
            for line in chunk:
                yield (batch_id, *line[:2], line[2][:300], line[3] and line[3][:100], line[4], *line[5:])
    writer.insert_rows(conn, ImportChange.__table__, ("batch_id", *COLUMNS), rows(), plain=True)
    return found.hexdigest(), count


def moved(conn, batch_id, lines):
    """(lines of the stored preview that the new plan no longer has, lines the new plan adds)."""
    table = ImportChange.__table__
    stored = {}
    query = (select(*(table.c[name] for name in COLUMNS[:3]), *(table.c[name] for name in COLUMNS[5:]))
             .where(table.c.batch_id == batch_id).execution_options(yield_per=CHUNK))
    for row in conn.execute(query):
        key = hash((*row[:3], *row[3:-1], bool(row[-1])))
        stored[key] = stored.get(key, 0) + 1
    added = 0
    for line in lines:
        key = hash((*line[:2], line[2][:300], *line[5:8], bool(line[8])))
        if stored.get(key):
            stored[key] -= 1
        else:
            added += 1
    return sum(stored.values()), added
