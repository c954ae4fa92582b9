"""The summary refresh an attendance import triggers, timed alone: the 500k-row import bench's data.

    .venv/bin/python bench/summary_refresh_bench.py [--rows 500000] [--backend sqlite|postgresql]
        [--runs 3] [--compare main]

Builds the import bench's state (50 teams of 40 participants, weekly group sessions, one attendance row
per participant and session) through SQLAlchemy Core, then runs the refresh an import of all of it runs
(every team, the file's first to last session date, as a large load, then the planner statistics) in one
transaction, `runs` times, each from empty summaries as after the bench's first import, and prints the
median wall time beside the target (issues 11 and 16: 1 s on SQLite, 2 s on PostgreSQL), the CPU it took
(this process's on SQLite, the server process's on PostgreSQL: fairer on a busy machine) and the slowest
statements. --compare REF also runs the refresh of dashboards/summaries.py as it is at git ref REF,
alternating with this one on the same data, and prints the ratio: compare on a shared machine by that.
"""
import os
os.environ.setdefault("IMR_ENV", "development")  # a bench is a development run
import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event, insert  # noqa: E402

from app import create_app  # noqa: E402
from dashboards import summaries  # noqa: E402
from dashboards.models import EngagementDay, EngagementMonth, EngagementTotal  # noqa: E402
from extensions import db  # noqa: E402
from models import Agency, Attendance, Participant, Program, Session, Team  # noqa: E402
from models.cli import upgrade_database  # noqa: E402

TEAMS, PER_TEAM, FIRST_DAY = 50, 40, date(2020, 1, 6)
TARGETS = {"sqlite": 1.0, "postgresql": 2.0}  # seconds for the 500k import's refresh (issues 11 and 16 point 8)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(rows):
    """The import bench's teams, participants, weekly sessions and attendance, written through Core."""
    sessions = max(rows // (TEAMS * PER_TEAM), 1)
    agency_id = db.session.execute(insert(Agency).returning(Agency.id), [dict(code="AG", name="Agency")]).scalar_one()
    program_id = db.session.execute(insert(Program).returning(Program.id), [dict(
        agency_id=agency_id, name="Program", engagement_target=0.5)]).scalar_one()
    team_ids = db.session.execute(insert(Team).returning(Team.id), [dict(
        program_id=program_id, name=f"Team {t + 1:02d}", format="group") for t in range(TEAMS)]).scalars().all()
    people, held, attendance = [], [], []
    for t, team_id in enumerate(team_ids):
        members = [len(people) + p + 1 for p in range(PER_TEAM)]
        people += [dict(id=pid, agency_id=agency_id, team_id=team_id, client_code=f"C{pid:05d}",
                        start_date=FIRST_DAY, format="group") for pid in members]
        for s in range(sessions):
            held.append(dict(id=len(held) + 1, team_id=team_id, session_date=FIRST_DAY + timedelta(days=7 * s),
                             module=s % 11 + 1))
            attendance += [dict(session_id=len(held), participant_id=pid,
                                status="attended" if (pid + s) % 3 else "absent") for pid in members]
    db.session.execute(insert(Participant), people)
    db.session.execute(insert(Session), held)
    for i in range(0, len(attendance), 100_000):
        db.session.execute(insert(Attendance), attendance[i:i + 100_000])
    db.session.commit()
    return team_ids, (FIRST_DAY, FIRST_DAY + timedelta(days=7 * (sessions - 1))), len(attendance)


def summaries_at(ref):
    """dashboards/summaries.py as it is at git ref `ref`, loaded as a module of its own."""
    text = subprocess.run(["git", "-C", ROOT, "show", f"{ref}:dashboards/summaries.py"], check=True,
                          capture_output=True, text=True).stdout
    path = os.path.join(tempfile.mkdtemp(prefix="imr-summaries-"), "summaries_at_ref.py")
    with open(path, "w") as handle:
        handle.write(text)
    spec = importlib.util.spec_from_file_location(f"summaries_at_{ref}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StatementClock:
    """Wall and CPU time of each statement: the server process's CPU on a local PostgreSQL, else this process's."""

    def __init__(self, engine):
        self.statements, self.tick = [], os.sysconf("SC_CLK_TCK")
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def cpu(self, conn):
        pid = conn.info.get("bench_pid")
        if pid is None:
            return time.process_time()
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / self.tick
        except OSError:  # a server elsewhere: no figure
            return 0.0

    def before(self, conn, cursor, statement, parameters, context, many):
        conn.info["bench_started"] = (time.perf_counter(), self.cpu(conn))

    def after(self, conn, cursor, statement, parameters, context, many):
        wall, cpu = conn.info.pop("bench_started")
        self.statements.append((time.perf_counter() - wall, self.cpu(conn) - cpu, " ".join(statement.split())))


def empty_summaries():
    """The state after the bench's first import wrote its rows: no summaries yet, no dead rows left behind."""
    tables = (EngagementDay, EngagementMonth, EngagementTotal)  # the running totals too: a first import has none
    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(table.__table__.delete())
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM ANALYZE {', '.join(t.__tablename__ for t in tables)}")


def run_once(module, clock, team_ids, dates, rows):
    """(wall s, CPU s, slowest statements) of one refresh as a large import runs it, in one transaction."""
    empty_summaries()
    clock.statements.clear()
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.info["bench_pid"] = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            connection.commit()
        started, cpu = time.perf_counter(), clock.cpu(connection)
        with connection.begin():
            module.refresh(connection, team_ids, large=True, dates=dates, rows=rows)
            module.analyze(connection)
        wall, cpu = time.perf_counter() - started, clock.cpu(connection) - cpu
        connection.info.pop("bench_pid", None)
    return wall, cpu, sorted(clock.statements, reverse=True)[:6]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--compare", metavar="REF", help="also time dashboards/summaries.py as at this git ref")
    args = parser.parse_args()
    server = None
    if args.backend == "postgresql":
        from tests import pgserver
        server = pgserver.start()
        url = server.url
    else:
        path = "/tmp/imr-summary-refresh-bench.sqlite3"
        if os.path.exists(path):
            os.remove(path)
        url = f"sqlite:///{path}"
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            upgrade_database()
            team_ids, dates, rows = build(args.rows)
            versions = {"this tree": summaries}
            if args.compare:
                versions[args.compare] = summaries_at(args.compare)
            clock = StatementClock(db.engine)
            times = {name: [] for name in versions}
            for _ in range(args.runs):  # alternating, so a busy machine slows each alike
                for name, module in versions.items():
                    times[name].append(run_once(module, clock, team_ids, dates, rows))
            print(f"{args.backend}: refresh after an import of {rows:,} attendance rows ({TEAMS} teams, "
                  f"{dates[0]} to {dates[1]}), target {TARGETS[args.backend]:.0f} s; load average "
                  f"{os.getloadavg()[0]:.1f}")
            cpu_of = "server process" if args.backend == "postgresql" else "this process"
            for name, runs in times.items():
                walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
                print(f"  {name}: median {statistics.median(walls):.2f} s of {args.runs} "
                      f"({', '.join(f'{t:.2f}' for t in walls)}); "
                      f"CPU ({cpu_of}) median {statistics.median(cpus):.2f} s")
                for wall, cpu, statement in runs[-1][2]:
                    print(f"      {wall:6.2f} s, CPU {cpu:5.2f} s  {statement[:110]}")
            if args.compare:
                ours, theirs = (statistics.median(r[0] for r in times[n]) for n in versions)
                ours_cpu, theirs_cpu = (statistics.median(r[1] for r in times[n]) for n in versions)
                print(f"  this tree / {args.compare}: wall {ours / theirs:.2f}x, CPU {ours_cpu / theirs_cpu:.2f}x")
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
