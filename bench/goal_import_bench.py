"""A 100,000-row goal tracking import, checked and committed, against a bare read of the same rows.

    .venv/bin/python bench/goal_import_bench.py [--rows 100000] [--db PATH] [--backend both] [--phases]

25,000 participants each get a long-term goal, a short-term goal and two steps (4 rows), the long-term goal
with three review dates. The workbook is written once with openpyxl's write-only mode and cached in /tmp;
the bare read is python-calamine reading every row (the fastest reader here, and the import's own reader),
timed twice before the import and once after it, the median taken: one read slowed by the shared machine
moved the ratio of a run by itself (an average of one before and one after took half of it). The import
takes the worker path, as bench/import_bench.py does and as `flask import` and `flask worker` run it: a child
process started ahead (imports/running/supervisor.py), which parses the sheet while its extent is scanned; its time
runs from storing the upload to the child's end. It runs on a fresh SQLite file and (--backend both, the
default, or postgresql) in a throwaway PostgreSQL (tests/pgserver.py).
Target (the import issues' ratio): at most 4x the bare read. --phases prints where the import's time went, wall
and CPU seconds per phase (imports/running/timings.py). On PostgreSQL the server's CPU during the import is printed
too (read from /proc), and "both" is (import CPU + server CPU) / bare read CPU: on a busy machine that says
more about a quiet one than the wall-time ratio does.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from functools import partial

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("IMR_ENV", "test")  # config refuses to start without a named environment
# The import's child runs at the bare read's priority, as in bench/import_bench.py: niced, it would yield to every
# other process on a shared machine and the ratio would measure them.
os.environ.setdefault("IMPORT_NICENESS", "0")

HEADER = ["Client code", "Goal reference", "Level", "Part of", "Date set", "Target date", "Status", "Review 1",
          "Review 2", "Review 3"]
START = date(2025, 1, 6)


def write(path, rows):
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Goals")
    ws.append(HEADER)
    for n in range(rows // 4):
        code, day = f"G{n:06d}", START + timedelta(days=n % 200)
        reviews = [day + timedelta(days=7 * k) for k in (1, 2, 3)]
        ws.append([code, "LT1", "long-term goal", None, day, None, "active", *reviews])
        ws.append([code, "ST1", "short-term goal", "LT1", day, None, "active", reviews[0], None, None])
        ws.append([code, "S1", "step", "ST1", day, None, "achieved", None, None, None])
        ws.append([code, "S2", "step", "ST1", day + timedelta(days=1), None, "active", None, None, None])
    wb.save(path)


def bare_read(path):
    """(wall seconds, CPU seconds, rows) of python-calamine reading every row."""
    import python_calamine
    started, cpu = time.perf_counter(), time.process_time()
    sheet = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    count = sum(1 for _ in sheet.iter_rows())
    return time.perf_counter() - started, time.process_time() - cpu, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--phases", action="store_true", help="print where the import's time went, phase by phase")
    args = parser.parse_args()
    if args.phases:
        from imports.running import timings
        os.environ[timings.ENV] = tempfile.NamedTemporaryFile(prefix="imr-goal-phases-", suffix=".jsonl",
                                                              delete=False).name
    path = f"/tmp/imr-goal-bench-{args.rows}.xlsx"
    if not os.path.exists(path):
        started = time.perf_counter()
        write(path, args.rows)
        print(f"wrote {path} in {time.perf_counter() - started:.1f} s")
    results = []
    if args.backend in ("sqlite", "both"):
        db_path = args.db or os.path.join(tempfile.mkdtemp(), "goals.sqlite3")
        results.append(("sqlite", *measure(f"sqlite:///{db_path}", path, args.rows)))
    if args.backend in ("postgresql", "both"):
        from tests import pgserver
        server = pgserver.start()
        try:
            results.append(("postgresql", *measure(server.url, path, args.rows, partial(server_cpu, server))))
        finally:
            server.stop()
    # CPU time of this process: the whole import on SQLite, without the server's share on PostgreSQL. On a
    # shared machine the CPU ratio moves less than the wall-time one.
    # The server's CPU (PostgreSQL) is added to it: (import CPU + server CPU) / bare read CPU is what the wall
    # ratio comes to on a quiet machine, less whatever the two overlap.
    for backend, count, status, seconds, bare, cpu, bare_cpu, server in results:
        print(f"{backend:10} {count:,} rows: {status} in {seconds:.2f} s; bare read {bare:.2f} s; "
              f"ratio {seconds / bare:.1f}x (target <= 4x: {'ok' if seconds / bare <= 4 else 'SLOW'}); "
              f"CPU {cpu:.2f} s against {bare_cpu:.2f} s: {cpu / bare_cpu:.1f}x"
              + (f"; server CPU {server:.2f} s, both {(cpu + server) / bare_cpu:.1f}x" if server is not None else ""))


def server_cpu(server):
    """CPU seconds the PostgreSQL server's processes have used so far (the postmaster, its children, and
    children that have ended), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    with open(os.path.join(server.data_dir, "postmaster.pid")) as handle:
        postmaster = handle.readline().strip()
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        elif fields[1] == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def measure(url, path, rows, server_cpu=None):
    """(rows read, status, import seconds, bare read seconds, import CPU, bare read CPU, server CPU or None)
    of one import; `server_cpu()`: the database server's CPU seconds so far, where it can be read."""
    from sqlalchemy import insert
    from app import create_app
    from extensions import db
    from models import Agency, Participant, Program, Team
    from models.cli import upgrade_database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "IMPORTS_IN_BACKGROUND": False})
    with app.app_context():
        upgrade_database()
        agency = Agency(code="GB", name="Goal bench")
        db.session.add(agency)
        db.session.flush()
        program = Program(agency_id=agency.id, name="P")
        db.session.add(program)
        db.session.flush()
        team = Team(program_id=program.id, name="T")
        db.session.add(team)
        db.session.flush()
        db.session.execute(insert(Participant), [dict(agency_id=agency.id, team_id=team.id, client_code=f"G{n:06d}",
                                                      start_date=START, format="group")
                                                 for n in range(rows // 4)])
        db.session.commit()
        reads = [bare_read(path) for _ in range(2)]
        batch, seconds, cpu, server = import_in_child(app, agency, path, server_cpu)
        reads.append(bare_read(path))
        print(f"{url.split(':')[0]}: {batch.message} Bare reads {', '.join(f'{r[0]:.2f}' for r in reads)} s.")
        _print_phases(seconds)
        bare, bare_cpu = (statistics.median(read[i] for read in reads) for i in (0, 1))
        return reads[0][2] - 1, batch.status, seconds, bare, cpu, bare_cpu, server


def import_in_child(app, agency, path, server_cpu=None):
    """(batch, seconds, CPU seconds, server CPU seconds or None) of checking and committing the workbook through
    the worker path: a child started ahead and waited for until it has loaded the app, as the worker keeps one.
    CPU is this process's and the child's, less what the child spent loading the app before the clock."""
    from bench.import_bench import _cpu_seconds, _process_cpu
    from extensions import db
    from imports import operations
    from imports.models import ImportBatch
    from imports.running import batch_queue, supervisor
    child = supervisor.start_child(app)
    if not supervisor.wait_ready(child):
        sys.exit(f"the import's child did not start: {child.stderr.read().decode(errors='replace')}")
    child_cpu = _process_cpu(child.pid)
    me = batch_queue.claimer("bench")  # claimed at once, as the CLI does: no worker takes it
    with open(path, "rb") as handle:
        data = handle.read()
    server = server_cpu() if server_cpu else None
    started, cpu = time.perf_counter(), _cpu_seconds()
    batch_id = operations.create_batch(agency, "goals", "goals.xlsx", data, claimed_by=me).id
    ended = supervisor.run_in_child(app, db.engine, batch_id, True, me, child=child)
    with db.engine.begin() as conn:
        supervisor.settle(conn, batch_id, me, ended, app.config, True)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu - child_cpu
    server = server_cpu() - server if server_cpu else None
    db.session.expire_all()
    return db.session.get(ImportBatch, batch_id), seconds, cpu, server


def _print_phases(seconds):
    """The phase table the import just appended (--phases), then forget it."""
    from imports.running import timings
    path = os.environ.get(timings.ENV)
    if not path:
        return
    with open(path) as handle:
        tables = [json.loads(line) for line in handle if line.strip()]
    open(path, "w").close()
    for name, wall, cpu in tables[-1] if tables else []:
        print(f"    {name:50} {wall:6.2f} s  CPU {cpu:5.2f} s  {wall / seconds:4.0%}")


if __name__ == "__main__":
    main()
