"""Run an import in a background thread of the web process, so that the page can show its progress.

No scheduler runs in the web app; each import gets a thread that ends with it. A semaphore lets only
IMPORT_WORKERS imports read at once (a large sheet takes a few hundred MiB while it is read); the
others wait, shown as "waiting to start". Progress lives in the import_batch row, which the page polls.
"""
import logging
import threading

from extensions import db

log = logging.getLogger(__name__)
_slots = {}
_lock = threading.Lock()


def _slot(app):
    with _lock:
        if app not in _slots:
            _slots[app] = threading.BoundedSemaphore(app.config["IMPORT_WORKERS"])
        return _slots[app]


def start(app, batch_id, commit, actor):
    """Check (and, if `commit`, write) an import: in a thread, or at once when IMPORTS_IN_BACKGROUND is off.

    `actor` (user id, email) is who asked, for the audit log: the thread has no request to ask.
    """
    if not app.config["IMPORTS_IN_BACKGROUND"]:
        from imports.operations import run
        return run(batch_id, commit=commit, actor=actor)
    thread = threading.Thread(target=_work, args=(app, batch_id, commit, actor), name=f"import-{batch_id}",
                              daemon=True)
    thread.start()
    return thread


def _work(app, batch_id, commit, actor):
    from imports.operations import run
    with _slot(app), app.app_context():
        try:
            run(batch_id, commit=commit, actor=actor)
        except Exception:  # run() records its own failures; this is the last resort so the thread ends quietly
            log.exception("Background import %s failed", batch_id)
        finally:
            db.session.remove()
