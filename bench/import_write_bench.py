"""The write side of the 500k-row attendance import alone (attendance write, summary refresh, commit), compared
between two source trees in one run.

    .venv/bin/python bench/import_write_bench.py [--rows 500000] [--backend sqlite|postgresql]
        [--runs 3] [--compare OTHER_CHECKOUT]

The import bench's state (bench/import_bench.py's seed: 50 teams of 40 participants, nothing recorded yet)
is prepared once; each run copies it (SQLite: the file; PostgreSQL: CREATE DATABASE .. TEMPLATE) and, in a
process of its own, checks the bench file's records (fed to the attendance handler directly, not read from a
workbook: the read side is not timed here), then times what the import's commit does after the check:
handler.write, the attendance_changed refresh and the commit, in one transaction. The two trees alternate,
so a busy machine slows each alike, and the medians and their ratio are printed. CPU is this process's
(SQLite) or the database server process's plus this one's (PostgreSQL): on a shared machine, CPU is the
figure to compare. The peak is the run's process (the records' arrays included, not the workbook's).
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def records(rows):
    """The bench file's records as the reader hands them over: (values in the handler's order, record place)."""
    from bench.import_bench import FIRST_DAY, layout
    sessions, teams, codes = layout(rows)
    r = 1
    for t, team in enumerate(teams):
        for s in range(sessions):
            day, module = FIRST_DAY + timedelta(days=7 * s), s % 11 + 1
            for p, code in enumerate(codes[t]):
                r += 1
                status = "attended" if (s * 7 + p * 13 + t) % 10 < 6 else "absent"
                yield (team, None, day, module, code, status, 60, f"Module {module} session",
                       f"Facilitator {t % 7 + 1}"), (0, r, 0)


class Sheet:
    index, name = 0, "Attendance"

    def where(self, record, key):
        return record[1], key


class Report:
    errors = 0

    def error(self, *args):
        raise AssertionError(f"the bench records should all be valid: {args}")


def server_cpu(pid):
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(tree, url, rows, statements=False):
    """One timed write in this process, with the modules of `tree`; prints its figures as JSON."""
    sys.path[:1] = [tree]  # the tree under test, not this script's folder
    os.chdir(tree)
    from sqlalchemy import event

    from app import create_app
    from extensions import db
    from imports.kinds.attendance import ORDER, AttendanceImport
    from models import Agency
    from signals import attendance_changed
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        agency_id = db.session.query(Agency.id).filter_by(code="BENCH").scalar()
        conn = db.session.connection()
        handler = AttendanceImport(conn, agency_id, ORDER)
        sheet, report = Sheet(), Report()
        for values, record in records(rows):
            handler.take(sheet, record, values, False, report)
        counts = handler.finish(conn, report)
        db.session.commit()
        conn = db.session.connection()
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() if conn.dialect.name == "postgresql" else None
        spent = {}  # statement -> [CPU, wall, count]

        def before(*_):
            conn.info["bench_mark"] = (time.perf_counter(), time.process_time() + server_cpu(pid))

        def after(_conn, _cursor, statement, *_):
            wall, cpu = conn.info.pop("bench_mark")
            key = " ".join(statement.split())[:110]  # the multi-row VALUES inserts add up under one key
            cpu, wall = time.process_time() + server_cpu(pid) - cpu, time.perf_counter() - wall
            spent[key] = [a + b for a, b in zip(spent.get(key, (0, 0, 0)), (cpu, wall, 1))]
        if statements:  # the clock costs ~15 us a statement: 12,500 session inserts took 0.2 s more
            event.listen(db.engine, "before_cursor_execute", before)
            event.listen(db.engine, "after_cursor_execute", after)
        marks = [("start", time.perf_counter(), time.process_time(), server_cpu(pid))]

        def lap(name):
            marks.append((name, time.perf_counter(), time.process_time(), server_cpu(pid)))
        touched = handler.write(conn)
        lap("write")
        attendance_changed.send(app, team_ids=set(touched), rows=counts["new"] + counts["changed"],
                                dates=handler.dates, connection=conn)
        lap("refresh")
        db.session.commit()
        lap("commit")
    phases = {name: (wall - marks[i][1], cpu - marks[i][2], server - marks[i][3])
              for i, (name, wall, cpu, server) in enumerate(marks[1:])}
    total = (marks[-1][1] - marks[0][1], marks[-1][2] - marks[0][2], marks[-1][3] - marks[0][3])
    print(json.dumps({"phases": phases, "total": total, "new": counts["new"], "statements": sorted((*v, k) for k, v in spent.items())[-8:],
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run(tree, url, rows, statements):
    out = subprocess.run([sys.executable, __file__, "--child", tree, url, str(rows), *(["--statements"] * statements)],
                         capture_output=True, text=True,
                         env={**os.environ, "IMR_ENV": "development"})
    if out.returncode:
        sys.exit(f"run in {tree} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--compare", metavar="TREE", help="another source tree (a worktree of main) to alternate with")
    parser.add_argument("--statements", action="store_true", help="print the costliest statements (slows each a little)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], args.child[1], int(args.child[2]), args.statements)
    trees = {"this tree": HERE, **({args.compare: os.path.abspath(args.compare)} if args.compare else {})}
    scratch, server = tempfile.mkdtemp(prefix="imr-write-bench-"), None
    try:
        if args.backend == "postgresql":
            sys.path.insert(0, HERE)
            from tests import pgserver
            server = pgserver.start()
            base = server.url.rsplit("/", 1)[0]
            _postgres(server.url, "CREATE DATABASE template_db")
            prepare_in_child(f"{base}/template_db", args.rows)
        else:
            template = os.path.join(scratch, "template.sqlite3")
            prepare_in_child(f"sqlite:///{template}", args.rows)
        results = {name: [] for name in trees}
        for n in range(args.runs):
            for name, tree in trees.items():
                if args.backend == "postgresql":
                    _postgres(server.url, f"DROP DATABASE IF EXISTS run_{n}")
                    _postgres(server.url, f"CREATE DATABASE run_{n} TEMPLATE template_db")
                    url = f"{base}/run_{n}"
                else:
                    path = os.path.join(scratch, "run.sqlite3")
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(path + suffix):
                            os.remove(path + suffix)
                    shutil.copy(template, path)
                    url = f"sqlite:///{path}"
                results[name].append(run(tree, url, args.rows, args.statements))
                if args.backend == "postgresql":
                    _postgres(server.url, f"DROP DATABASE run_{n}")
        _print(args, results)
    finally:
        if server:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def prepare_in_child(url, rows):
    """Migrate and seed the template database with this tree's code, in a process of its own."""
    code = (f"import sys; sys.path.insert(0, {HERE!r}); import os; os.environ.setdefault('IMR_ENV', 'development');"
            f"from bench.import_bench import child_prepare; child_prepare({url!r}, {rows})")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=HERE)


def _postgres(url, sql):
    from sqlalchemy import create_engine
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def _print(args, results):
    cpu_of = "this process + the server's" if args.backend == "postgresql" else "this process"
    print(f"{args.backend}: write side of a {args.rows:,}-row attendance import, {args.runs} runs alternated; "
          f"load average {os.getloadavg()[0]:.1f}")
    medians = {}
    for name, runs in results.items():
        medians[name] = {}
        print(f"  {name}: peak {max(r['peak_mib'] for r in runs):.0f} MiB" +
              ("; the last run's costliest statements:" if args.statements else ""))
        for cpu, wall, count, statement in reversed(runs[-1]["statements"]):
            print(f"      CPU {cpu:5.2f} s, wall {wall:5.2f} s, {count:5d}x  {statement[:100]}")
        for phase in (*runs[0]["phases"], "total"):
            got = [r["total"] if phase == "total" else r["phases"][phase] for r in runs]
            wall = statistics.median(g[0] for g in got)
            cpu = statistics.median(g[1] + g[2] for g in got)
            server = statistics.median(g[2] for g in got)
            medians[name][phase] = (wall, cpu)
            print(f"    {phase:8s} wall {wall:6.2f} s  CPU {cpu:6.2f} s (server {server:5.2f})  "
                  f"[{', '.join(f'{g[1] + g[2]:.2f}' for g in got)}]")
    if len(medians) == 2:
        ours, theirs = medians.values()
        for phase in ours:
            print(f"  this tree / {args.compare} {phase:8s}: wall {ours[phase][0] / theirs[phase][0]:.2f}x, "
                  f"CPU {ours[phase][1] / theirs[phase][1]:.2f}x")


if __name__ == "__main__":
    main()
