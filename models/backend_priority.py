"""Lower the CPU priority of the PostgreSQL server processes that serve an import, where the server runs on
this machine and lets us.

An import's write is mostly the server's work (the COPY, index upkeep, key checks, the summaries' grouping),
so lowering the import process alone (IMPORT_NICENESS) left the heaviest part at the pages' priority: on 2
cores, dashboards waited seconds for the CPU while a 500k-row import wrote. A server process is reniced only
when it is certainly the one behind our own connection: the server is reached over a Unix socket or loopback
and the process's title (PostgreSQL's `update_process_title`) names our connection's end. Anywhere else (a
remote server, a server run by another user, a title turned off) nothing changes and the import runs as before.
"""
import logging
import os
import socket

from sqlalchemy import event

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "::1")


def follow(engine, niceness):
    """Lower by `niceness` the server process of every connection `engine` opens from now on (PostgreSQL)."""
    if not niceness or engine.dialect.name != "postgresql":
        return
    event.listen(engine, "connect", lambda dbapi_connection, record: lower(dbapi_connection, niceness))
    engine.dispose()  # connections opened before (loading the app) are opened again, and lowered


def lower(dbapi_connection, niceness):
    """Renice the server process behind a psycopg connection by `niceness`; True when it was done."""
    try:
        pid = dbapi_connection.info.backend_pid
        if not _ours(pid, dbapi_connection.pgconn.socket):
            return False
        os.setpriority(os.PRIO_PROCESS, pid, min(os.getpriority(os.PRIO_PROCESS, pid) + int(niceness), 19))
    except OSError as error:  # not permitted (another user's server), or the process is gone
        log.info("The database server's process %s keeps its priority: %s", pid, error)
        return False
    # Parallel workers are started by the server, not by this process, at the pages' priority: none here.
    dbapi_connection.execute("SET max_parallel_workers_per_gather = 0")
    dbapi_connection.commit()
    return True


def _ours(pid, fd):
    """Whether local process `pid` is the server process at the other end of socket `fd`."""
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as handle:
            title = handle.read().decode(errors="replace")
    except OSError:  # no such process here: the server runs elsewhere (or this is not Linux)
        return False
    with socket.socket(fileno=os.dup(fd)) as ours:
        if ours.family == socket.AF_UNIX:
            return title.startswith("postgres: ") and " [local] " in title
        host, port = ours.getpeername()[:2]
        return host in LOOPBACK and title.startswith("postgres: ") and f"({ours.getsockname()[1]})" in title
