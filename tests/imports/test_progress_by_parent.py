"""An import's child leaves its percentages to the parent to record (on SQLite each commit of the batch row
rewrites the upload inside it): the page still sees them, never going backwards, never over the outcome."""
import subprocess
import sys

from sqlalchemy import update

from extensions import db
from imports import operations
from imports.models import ImportBatch
from imports.running import batch_queue, supervisor
from tests.imports.worker_process import FILE

# Stands in for imports/running/child.py: takes its batch on stdin, reports two percentages for the parent to record
# (the second one late and lower), one it committed itself, and ends.
FAKE_CHILD = """
import sys, time
sys.stdin.readline()
print("record 40 checking rows (20,000 read)", flush=True)
time.sleep(0.5)
print("record 30 checking rows (late)", flush=True)
time.sleep(0.5)
print("progress 75 writing", flush=True)
time.sleep(0.5)
"""


def _claimed(agency, me):
    batch_id = operations.create_batch(agency, "sessions", "s.xlsx", FILE, claimed_by=me, status="checking").id
    db.session.commit()
    return batch_id


def _row(batch_id):
    db.session.expire_all()
    return db.session.get(ImportBatch, batch_id)


def test_the_parent_records_what_its_child_reports_and_never_backwards(app, world):
    me = batch_queue.claimer("test")
    batch_id = _claimed(world.agency_a, me)
    seen = []
    fake = subprocess.Popen([sys.executable, "-c", FAKE_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    ended = supervisor.run_in_child(app, db.engine, batch_id, False, me, echo=lambda *p: seen.append(p), child=fake)
    assert ended == "done"
    batch = _row(batch_id)
    assert (batch.phase, batch.percent) == ("checking rows (20,000 read)", 40)  # the late 30 did not win
    assert seen == [("checking rows (20,000 read)", 40), ("checking rows (late)", 30), ("writing", 75)]


def test_a_report_after_the_outcome_changes_nothing(app, world):
    me = batch_queue.claimer("test")
    batch_id = _claimed(world.agency_a, me)
    with db.engine.begin() as conn:
        batch_queue.record_progress(conn, batch_id, me, "checking rows (40,000 read)", 20)
    assert (_row(batch_id).phase, _row(batch_id).percent) == ("checking rows (40,000 read)", 20)
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(status="checked", percent=100,
                                                                                     phase="finished"))
    db.session.commit()
    with db.engine.begin() as conn:
        batch_queue.record_progress(conn, batch_id, me, "checking rows (60,000 read)", 30)
        batch_queue.record_progress(conn, batch_id, "someone else", "checking rows", 100)
    batch = _row(batch_id)
    assert (batch.status, batch.phase, batch.percent) == ("checked", "finished", 100)


def test_a_child_commits_only_its_changes_of_status_and_tells_the_rest(app, world):
    """In-process, as the child runs it: the percentages between the forced steps go to `tell`, not the row."""
    batch_id = operations.create_batch(world.agency_a, "sessions", "s.xlsx", FILE).id
    told, committed = [], []
    progress = operations.Progress(batch_id, echo=lambda *p: committed.append(p), every=0, tell=lambda *p:
                                   told.append(p))
    progress("reading the workbook", 2, here=True)
    progress.rows(20_000, 40_000)
    progress("comparing with what is recorded", 65, force=True)
    assert (_row(batch_id).phase, _row(batch_id).percent) == ("reading the workbook", 2)  # left to the parent
    progress("writing", 75, here=True)
    assert committed == [("reading the workbook", 2), ("writing", 75)]
    assert told == [("checking rows (20,000 read)", 35), ("comparing with what is recorded", 65)]
    assert (_row(batch_id).phase, _row(batch_id).percent) == ("writing", 75)
