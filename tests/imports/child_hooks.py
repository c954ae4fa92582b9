"""Test-only hook the import child imports (IMR_TEST_CHILD_HOOK): log each run, stall or fail on request.

IMR_TEST_RUN_LOG    append "batch_id parent_pid" for every run (to prove each batch ran exactly once)
IMR_TEST_STALL_AT   "checking": stall once the rows are read and checked, before comparing them; "writing":
                    stall inside the write transaction, after the first attendance rows are in; "early": the
                    same, the rows written while the file is read (imports/kinds/attendance_early.py); "memory":
                    ask for 8 GiB when reading starts
IMR_TEST_STALL_FILE where to write this child's pid once it stalls (the test waits for it, then kills)
IMR_TEST_SCAN_AHEAD_FROM parse sheets while scanning their extents from this many bytes of worksheet XML
                    (imports/reading/scanned_read.py; 0: every file, hostile ones included), the scan once the
                    reader has parsed the sheet
"""
import os
import time

from imports.kinds import attendance_early, writer
from imports.reading import scanned_read
from imports.running import child

BATCH_ID = child.batch_id
STALL_AT = os.environ.get("IMR_TEST_STALL_AT")
if os.environ.get("IMR_TEST_SCAN_AHEAD_FROM"):
    scanned_read.OVERLAP_FROM_BYTES = int(os.environ["IMR_TEST_SCAN_AHEAD_FROM"])
    real_scan_workbook, real_parsed_ahead = scanned_read.scan_workbook, scanned_read.ParsedAhead
    parsing = []  # the sheet being parsed ahead of the scan, if any

    class NotedParsedAhead(real_parsed_ahead):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            parsing.append(self)

    def late_scan_workbook(*args, **kwargs):
        # The reader, parsing meanwhile, meets a far cell first: wait until it has parsed (or died with the
        # process), not a fixed second.
        while parsing:
            parsing.pop().wait()
        return real_scan_workbook(*args, **kwargs)
    scanned_read.ParsedAhead = NotedParsedAhead
    scanned_read.scan_workbook = late_scan_workbook


def _stall():
    with open(os.environ["IMR_TEST_STALL_FILE"], "w") as marker:
        marker.write(str(os.getpid()))
    time.sleep(600)


if os.environ.get("IMR_TEST_RUN_LOG"):
    with open(os.environ["IMR_TEST_RUN_LOG"], "a") as log:
        log.write(f"{BATCH_ID} {os.getppid()}\n")

if STALL_AT in ("checking", "memory"):
    def then_stall(real):
        """The child's progress line (committed, or told to the parent), then the stall asked for."""
        def echo_then_stall(phase, percent):
            real(phase, percent)
            if STALL_AT == "memory" and phase.startswith("reading"):
                bytearray(8 * 1024 ** 3)
            if STALL_AT == "checking" and phase.startswith("comparing"):
                _stall()
        return echo_then_stall
    child.echo_progress = then_stall(child.echo_progress)
    child.tell_progress = then_stall(child.tell_progress)

if STALL_AT == "writing":
    real_insert_rows = writer.insert_rows
    writer.CHUNK = 2

    def stalling_insert_rows(conn, table, columns, rows, progress=None, **options):
        def announce(done):
            if table.name == "attendance":
                _stall()
        return real_insert_rows(conn, table, columns, rows, announce, **options)
    writer.insert_rows = stalling_insert_rows

if STALL_AT == "early":
    attendance_early.CHUNK = 1  # the file's first record is copied while the rest is read
    real_copy = attendance_early.EarlyWrite._copy

    def copy_then_stall(self, end):
        real_copy(self, end)
        if self.copied:
            _stall()
    attendance_early.EarlyWrite._copy = copy_then_stall
