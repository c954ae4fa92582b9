"""The import child is started before its batch is known (the app loads while the worker waits), is handed the
batch on its stdin, runs it at a lower CPU priority, and goes away with its parent."""
import threading

from sqlalchemy import select, update

from extensions import db
from imports import operations
from imports.models import ImportBatch
from imports.running import batch_queue, supervisor
from imports.running.child import EXIT_ORPHANED
from tests.imports.worker_process import FILE
from tests.imports.worker_process import wait_for


def _claimed(agency, me):
    batch_id = operations.create_batch(agency, "sessions", "s.xlsx", FILE, claimed_by=me).id
    db.session.commit()
    return batch_id


def _niceness(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])


def test_the_child_started_ahead_runs_the_batch_it_is_handed_at_lower_priority(sqlite_app, sqlite_world, tmp_path,
                                                                             monkeypatch):
    stalled = tmp_path / "stalled"
    monkeypatch.setenv("IMR_TEST_CHILD_HOOK", "tests.imports.child_hooks")
    monkeypatch.setenv("IMR_TEST_STALL_AT", "checking")
    monkeypatch.setenv("IMR_TEST_STALL_FILE", str(stalled))
    me = batch_queue.claimer("test")
    batch_id = _claimed(sqlite_world.agency_a, me)
    child = supervisor.start_child(sqlite_app)
    ended, engine = [], db.engine
    runner = threading.Thread(target=lambda: ended.append(
        supervisor.run_in_child(sqlite_app, engine, batch_id, False, me, child=child)))
    runner.start()
    pid = int(wait_for(lambda: stalled.exists() and stalled.read_text(), 60, what="the child to stall"))
    assert pid == child.pid  # the batch went to the child already running, not a new one
    assert _niceness(pid) == sqlite_app.config["IMPORT_NICENESS"] + _niceness("self")
    child.kill()
    runner.join(30)
    assert ended == ["crashed: signal SIGKILL"]  # past reading: not run again


def test_a_child_started_ahead_goes_away_with_its_parent(sqlite_app):
    child = supervisor.start_child(sqlite_app)
    child.stdin.close()  # what the parent's death does to its end of the pipe
    assert child.wait(60) == EXIT_ORPHANED
    supervisor.stop_child(child)


def test_a_child_that_died_while_waiting_is_replaced(sqlite_app, sqlite_world):
    me = batch_queue.claimer("test")
    batch_id = _claimed(sqlite_world.agency_a, me)
    child = supervisor.start_child(sqlite_app)
    child.kill()
    child.wait()
    assert supervisor.run_in_child(sqlite_app, db.engine, batch_id, False, me, child=child) == "done"
    db.session.expire_all()
    assert db.session.scalar(select(ImportBatch.status).where(ImportBatch.id == batch_id)) == "checked"


def test_a_child_says_when_it_is_ready_and_lets_go_of_its_batch_with_the_outcome(sqlite_app, sqlite_world):
    # The bench waits for "ready" as a worker's spare child would be; the outcome releases the batch itself,
    # so the worker's release finds nothing to change (on SQLite it would rewrite the row with the upload).
    me = batch_queue.claimer("test")
    batch_id = _claimed(sqlite_world.agency_a, me)
    child = supervisor.start_child(sqlite_app)
    assert supervisor.wait_ready(child)
    assert supervisor.run_in_child(sqlite_app, db.engine, batch_id, False, me, child=child) == "done"
    assert child.returncode == 0  # the exit status survives the exit without the interpreter's teardown
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    assert (batch.status, batch.counts["new"], batch.claimed_by) == ("checked", 3, None)
    with db.engine.begin() as conn:
        assert conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.claimed_by == me)
                            .values(claimed_by=None)).rowcount == 0  # what batch_queue.release runs


def test_a_child_that_ended_before_it_was_ready_is_told(sqlite_app):
    child = supervisor.start_child(sqlite_app)
    child.kill()
    assert not supervisor.wait_ready(child)
    supervisor.stop_child(child)
