"""Start an import: leave it queued for a worker process (imports/running/worker.py), or, in tests only, run it now.

The web process never reads a file itself: a file that aborts the reader or eats memory must cost one
worker's child process, not the server. With IMPORTS_IN_BACKGROUND off (tests) the import runs inside
the request, as the CLI did before workers existed, so a test sees its outcome at once.
"""


def start(app, batch_id, commit, actor):
    """Run the batch inside this request when IMPORTS_IN_BACKGROUND is off; otherwise its row is the queue."""
    if app.config["IMPORTS_IN_BACKGROUND"]:
        return None  # the batch row waits (queued, or committing with no claim) until a worker takes it
    from imports.operations import run
    return run(batch_id, commit=commit, actor=actor)
