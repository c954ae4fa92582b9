"""An import's database work runs at the import's lower CPU priority where the server is on this machine, so
dashboards are not kept waiting for the CPU by a large write; anything not certainly our server process is
left alone."""
import os
import socket
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine

from extensions import db
from models import backend_priority
from tests.imports.conftest import snapshot
from tests.imports.worker_process import WorkerProcess, fresh_snapshot, pid_gone, queue, wait_for


def _priority(pid):
    return os.getpriority(os.PRIO_PROCESS, pid)


def _postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's work runs inside the import process, which lowers its own priority")


def test_the_server_process_of_each_new_connection_is_lowered(app, database_url):
    _postgresql_only()
    followed, plain = create_engine(database_url), create_engine(database_url)
    backend_priority.follow(followed, 5)
    try:
        with followed.connect() as ours, plain.connect() as other:
            ours_pid = ours.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            other_pid = other.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            assert _priority(ours_pid) == _priority(other_pid) + 5
            parallel = "SHOW max_parallel_workers_per_gather"  # its workers would run at the server's priority
            assert ours.exec_driver_sql(parallel).scalar() == "0" != other.exec_driver_sql(parallel).scalar()
    finally:
        followed.dispose()
        plain.dispose()


def test_a_process_that_is_not_our_server_is_left_alone():
    """A pid from a server elsewhere may name an unrelated process here: its title must name our socket."""
    mine, peer = socket.socketpair()
    with mine, peer:
        before = _priority(os.getpid())
        pretender = SimpleNamespace(info=SimpleNamespace(backend_pid=os.getpid()), pgconn=SimpleNamespace(
            socket=mine.fileno()))
        assert backend_priority.lower(pretender, 5) is False
        assert _priority(os.getpid()) == before
        gone = SimpleNamespace(info=SimpleNamespace(backend_pid=2 ** 22 + 7), pgconn=SimpleNamespace(
            socket=mine.fileno()))
        assert backend_priority.lower(gone, 5) is False


def test_a_worker_child_writes_at_the_lower_priority_and_a_kill_then_leaves_nothing(app, world, database_url,
                                                                                    tmp_path):
    _postgresql_only()
    before = snapshot()
    queue(world.agency_a, commit=True)
    stall = tmp_path / "stalled"
    with WorkerProcess(database_url, tmp_path / "worker.log", IMR_TEST_STALL_AT="writing",
                       IMR_TEST_STALL_FILE=str(stall), IMPORT_NICENESS="7") as worker:
        child = int(wait_for(lambda: stall.exists() and stall.read_text(), what="the child to stall writing"))
        with db.engine.connect() as conn:  # the one transaction that has written something: the import's
            # This test's database only: the other worker's tests (and its database drops) share the server.
            writers = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
                                           "AND pid <> pg_backend_pid() AND datname = current_database()"
                                           ).scalars().all()
            server = _priority(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())
        assert len(writers) == 1, worker.output()
        assert _priority(writers[0]) == server + 7 and _priority(child) == _priority(worker.proc.pid) + 7
        worker.kill()
        wait_for(lambda: pid_gone(child), 10, what="the child to notice its parent died")
    assert fresh_snapshot() == before
