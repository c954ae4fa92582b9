"""The import queue in the batch table: uploads wait for a worker, claims, heartbeats, sweeps, the CLI's exit codes."""
import io
from datetime import datetime, timedelta

from sqlalchemy import select, update

from extensions import db
from imports import operations
from imports.models import ImportBatch
from imports.running import batch_queue
from imports.running.supervisor import MEMORY
from tests.imports.conftest import snapshot
from tests.imports.worker_process import FILE



def _upload(auth, data=FILE, **form):
    return auth.post("/imports/upload", {"kind": "sessions", "file": (io.BytesIO(data), "s.xlsx"), **form},
                     content_type="multipart/form-data")


def _queued(agency, **state):
    return operations.create_batch(agency, "sessions", "s.xlsx", FILE, **state).id


def _claim(me):
    with db.engine.begin() as conn:
        return batch_queue.claim_next(conn, me)


def _sweep(stale_seconds=60):
    with db.engine.begin() as conn:
        return batch_queue.sweep(conn, stale_seconds)


def _age(batch_id, seconds):
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id)
                       .values(heartbeat_at=datetime.utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def _row(batch_id):
    db.session.expire_all()
    return db.session.get(ImportBatch, batch_id)


def test_an_upload_waits_for_a_worker_and_the_page_says_so(app, client, auth, world):
    auth.login(world.users["clerk_a"])
    before = snapshot()
    response = _upload(auth, commit="1")
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1])
    batch = _row(batch_id)
    assert (batch.status, batch.claimed_by, batch.percent, batch.counts) == ("queued", None, 0, None)  # not run
    page = client.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert 'id="import-progress-box"' in page and 'id="import-waiting" role="status" hidden' in page
    assert client.get(f"/api/v1/imports/{batch_id}").get_json()["imports"]["waiting_for_worker"] is False

    _age(batch_id, 6)  # nobody took it for six seconds
    page = client.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert 'id="import-waiting" role="status">Waiting for a worker' in page
    assert "<code>flask --app app worker</code>" in page and "<code>make run</code>" in page
    body = client.get(f"/api/v1/imports/{batch_id}").get_json()["imports"]
    assert (body["status"], body["running"], body["waiting_for_worker"]) == ("queued", True, True)
    assert snapshot() == before


def test_a_commit_request_is_queued_with_who_asked(app, client, auth, world):
    batch_id = _queued(world.agency_a)
    operations.run(batch_id)  # checked (as a worker's child would)
    auth.login(world.users["manager_a"])
    assert auth.post(f"/imports/{batch_id}/commit").status_code == 303
    batch = _row(batch_id)
    assert (batch.status, batch.claimed_by, batch.phase) == ("committing", None, "waiting to start")
    assert batch.options["commit_by"][1] == "manager@alpha.example"
    assert snapshot()["attendance"] == []  # the web process wrote nothing
    assert _claim("worker w:1") == (batch_id, True)


def test_workers_claim_each_waiting_batch_once_oldest_first_and_never_a_cli_batch(app, world):
    first, second = _queued(world.agency_a), _queued(world.agency_a)
    cli = _queued(world.agency_a, claimed_by="cli host:1")
    dry = _queued(world.agency_a, dry_run=True)
    assert _claim("worker a:1") == (first, False)
    assert _claim("worker b:2") == (second, False)
    assert _claim("worker a:1") == (dry, False)
    assert _claim("worker b:2") is None
    assert [(b.id, b.claimed_by, b.attempts) for b in map(_row, (first, second, cli))] == [
        (first, "worker a:1", 1), (second, "worker b:2", 1), (cli, "cli host:1", 0)]


def test_a_batch_whose_worker_went_silent_is_requeued_once_then_failed(app, world):
    checking, committing, fresh = _queued(world.agency_a), _queued(world.agency_a), _queued(world.agency_a)
    for batch_id, status in ((checking, "checking"), (committing, "committing"), (fresh, "checking")):
        assert _claim("worker gone:1") == (batch_id, False)
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(status=status))
        db.session.commit()
    _age(checking, 61)
    _age(committing, 61)
    assert _row(checking).shown_status == "interrupted" and not _row(checking).running
    assert _sweep() == 2
    assert [(b.status, b.claimed_by) for b in map(_row, (checking, committing, fresh))] == [
        ("queued", None), ("committing", None), ("checking", "worker gone:1")]  # a live one is left alone
    assert _claim("worker w:2") == (checking, False)  # a second run...
    _age(checking, 61)  # ...whose worker dies too
    _sweep()
    batch = _row(checking)
    assert (batch.status, batch.claimed_by, batch.running) == ("failed", None, False)
    assert batch.message == batch_queue.LOST and batch.attempts == 2


def test_an_interrupted_cli_import_is_failed_not_run_by_a_worker(app, world):
    batch_id = _queued(world.agency_a, claimed_by="cli host:9")
    _age(batch_id, 61)
    _sweep()
    assert (_row(batch_id).status, _claim("worker w:1")) == ("failed", None)


def test_a_queued_batch_is_never_shown_interrupted_only_waiting(app, world):
    batch_id = _queued(world.agency_a)
    _age(batch_id, 3600)
    batch = _row(batch_id)
    assert (batch.shown_status, batch.running, batch.waiting_for_worker) == ("queued", True, True)
    assert _sweep() == 0


def test_cli_exit_codes_and_plain_failures_without_any_worker(app, world, runner, tmp_path, monkeypatch):
    path = tmp_path / "sessions.xlsx"
    path.write_bytes(FILE)
    args = ["import", str(path), "--kind", "sessions", "--agency", "AAA", "--quiet"]
    monkeypatch.setenv("IMR_TEST_CHILD_HOOK", "tests.imports.child_hooks")
    monkeypatch.setenv("IMR_TEST_STALL_AT", "memory")  # the child asks for 8 GiB under the 1 GiB limit
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert f"failed: {MEMORY}" in result.output
    monkeypatch.setenv("IMR_TEST_STALL_AT", "checking")  # the child hangs: the time limit ends it
    monkeypatch.setenv("IMR_TEST_STALL_FILE", str(tmp_path / "stalled"))
    app.config["IMPORT_TIME_LIMIT_SECONDS"] = 3
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "failed: The file took longer than the service allows (3 seconds) to check and write" in result.output
    assert snapshot()["attendance"] == []
    monkeypatch.delenv("IMR_TEST_STALL_AT")
    app.config["IMPORT_TIME_LIMIT_SECONDS"] = 600
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "committed: Imported" in result.output
    assert len(snapshot()["attendance"]) == 3
    batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
    assert [(b.status, b.claimed_by, b.attempts) for b in batches] == [("failed", None, 0)] * 2 + [
        ("committed", None, 0)]  # each ran by the command itself, none by a worker
