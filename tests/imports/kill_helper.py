"""Run `flask import` in this process, but stall for good once the first attendance rows are written.

tests/imports/test_atomicity.py starts this as a subprocess, waits for the line WRITING and kills it
with SIGKILL: the import is then in the middle of its one transaction.
"""
import os
import sys
import time

from imports import writer
from models import bulk_load

real_insert_rows = writer.insert_rows


def stalling_insert_rows(conn, table, columns, rows, progress=None, **options):
    def announce(done):
        print(f"WRITING {table.name} {done}", flush=True)
        time.sleep(600)
    return real_insert_rows(conn, table, columns, rows, announce, **options)


if __name__ == "__main__":
    writer.CHUNK = 2
    bulk_load.BULK_ROWS = int(os.environ.get("IMR_TEST_BULK_ROWS", bulk_load.BULK_ROWS))  # 1: keys checked once
    writer.insert_rows = stalling_insert_rows
    from flask.cli import main
    sys.argv = ["flask", "--app", "app", "import", *sys.argv[1:]]
    main()
