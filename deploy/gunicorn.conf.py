"""gunicorn's settings beyond the command line (README's "Running in production" and imr-web.service pass it).

Once a worker has built the app, everything it built (the app, SQLAlchemy's mappers and compiled statements,
Jinja's templates, Plotly: about 150,000 objects) lives as long as the worker, yet each of Python's full garbage
collections walked all of it again: about one request in a hundred paid that walk in the middle of its page.
gc.freeze() moves what exists now out of the collector's reach; what requests create is collected as before.
"""
import gc


def post_worker_init(worker):
    """After the worker loaded the app (without --preload, each worker builds its own after the fork)."""
    gc.collect()  # what building the app left for the collector goes first, not frozen with the rest
    gc.freeze()
    worker.log.info("froze %d objects built at start (kept out of full garbage collections)", gc.get_freeze_count())
