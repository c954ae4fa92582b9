"""An import's heartbeat and progress while SQLite's write lock is its own, kept in a file beside the database.

On SQLite a committing import holds the database's one write lock from its early write (attendance_early.py)
until it commits, so the worker can record neither the child's progress nor the batch's heartbeat in the batch
row meanwhile: the upload page stood still and, after IMPORT_STALE_SECONDS, would have called a live import
interrupted. The worker (supervisor.Heartbeat) also writes them to instance/import-progress/<batch id>.json,
and the pages show the newer of the file and the row (`apply`), without changing the row. PostgreSQL's row
locks leave the batch row free to update: no file there. SQLite's processes share one machine, and so this
folder.
"""
import json
import logging
import os
import tempfile
from datetime import datetime

from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import set_committed_value

from imports.models import RUNNING

FOLDER = "import-progress"
log = logging.getLogger(__name__)


def _path(instance_path, batch_id):
    return os.path.join(instance_path, FOLDER, f"{int(batch_id)}.json")


def write(instance_path, batch_id, me, phase, percent):
    """Record that the batch's worker `me` is alive now, at this phase and percentage (None: not known)."""
    folder = os.path.join(instance_path, FOLDER)
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    except OSError as error:
        log.warning("Progress file of import %s not written: %s", batch_id, error)
        return
    try:
        with os.fdopen(handle, "w") as out:  # written whole, then renamed: a page never reads half a file
            json.dump({"at": datetime.utcnow().isoformat(), "by": me, "phase": phase, "percent": percent}, out)
        os.replace(temporary, _path(instance_path, batch_id))
    except OSError as error:
        os.remove(temporary)  # a full or read-only disk must not stop the heartbeat thread: the row still beats
        log.warning("Progress file of import %s not written: %s", batch_id, error)


def clear(instance_path, batch_id):
    try:
        os.remove(_path(instance_path, batch_id))
    except FileNotFoundError:
        pass


def apply(batch, instance_path):
    """The batch as its worker last saw it: a running batch takes the file's heartbeat, phase and percentage
    where the worker that wrote them holds it and they are newer than its row's (in memory only: the row is not
    written). Returns the batch."""
    if batch.status not in RUNNING or object_session(batch).get_bind().dialect.name != "sqlite":
        return batch  # PostgreSQL's workers never write the file (supervisor.py)
    try:
        with open(_path(instance_path, batch.id)) as found:
            seen = json.load(found)
        at = datetime.fromisoformat(seen["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return batch
    if seen.get("by") != batch.claimed_by:  # a file left by a worker that died, of a batch since taken again
        return batch
    if batch.heartbeat_at is None or at > batch.heartbeat_at:
        set_committed_value(batch, "heartbeat_at", at)
        if seen.get("percent") is not None and seen["percent"] >= (batch.percent or 0):
            set_committed_value(batch, "phase", seen.get("phase"))
            set_committed_value(batch, "percent", seen["percent"])
    return batch
