"""Run an import's child step in this process, but stall for good once the first attendance rows are written.

tests/imports/test_atomicity.py starts this as a subprocess with `FILE --kind K --agency CODE --quiet`,
waits for the line WRITING and kills it with SIGKILL: the import is then in the middle of its one
transaction. It records the batch as `flask import` does and runs it with imports/running/child.py's run_batch,
the code a worker's child runs (here without a parent, so the patches below apply).
"""
import argparse
import os
import sys
import time

from imports.kinds import writer
from models import bulk_load

real_insert_rows = writer.insert_rows


def stalling_insert_rows(conn, table, columns, rows, progress=None, **options):
    def announce(done):
        print(f"WRITING {table.name} {done}", flush=True)
        time.sleep(600)
    return real_insert_rows(conn, table, columns, rows, announce, **options)


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--kind", required=True)
    parser.add_argument("--agency", required=True)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    from sqlalchemy import select

    from extensions import db
    from imports import operations
    from imports.running import batch_queue, child
    from models import Agency
    app = child.build_app()  # the child's app, loaded once: it records the batch and runs it
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.code == args.agency))
        with open(args.path, "rb") as handle:
            batch = operations.create_batch(agency, args.kind, os.path.basename(args.path), handle.read(),
                                            claimed_by=batch_queue.claimer("cli"))
        batch_id = batch.id
        db.session.remove()
    child.echo_progress = child.tell_progress = lambda phase, percent: None
    return child.run_batch(batch_id, commit=True, app=app)


if __name__ == "__main__":
    writer.CHUNK = 2
    bulk_load.BULK_ROWS = int(os.environ.get("IMR_TEST_BULK_ROWS", bulk_load.BULK_ROWS))  # 1: keys checked once
    writer.insert_rows = stalling_insert_rows
    sys.exit(main(sys.argv[1:]))
