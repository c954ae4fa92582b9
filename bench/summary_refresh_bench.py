"""The summary refresh an attendance import triggers, timed alone: the 500k-row import bench's data.

    /work/main/.venv/bin/python bench/summary_refresh_bench.py [--rows 500000] [--backend sqlite|postgresql] [--runs 3]

Builds the import bench's state (50 teams of 40 participants, weekly group sessions, one attendance row
per participant and session) through SQLAlchemy Core, then runs the refresh an import of all of it runs
(every team, the file's first to last session date, as a large load) in one transaction, `runs` times,
and prints the median. The import's share of the 10 s target (issue 4) that the refresh takes: ~2.3 s.
"""
import os
os.environ.setdefault("IMR_ENV", "development")  # a bench is a development run
import argparse
import statistics
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from dashboards.summaries import analyze, refresh  # noqa: E402
from extensions import db  # noqa: E402
from models import Agency, Attendance, Participant, Program, Session, Team  # noqa: E402
from models.cli import upgrade_database  # noqa: E402

TEAMS, PER_TEAM, FIRST_DAY = 50, 40, date(2020, 1, 6)


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
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
            times, cpu = [], []
            for _ in range(args.runs):  # the first into empty summaries (a fresh database), then replacing them
                started, started_cpu = time.perf_counter(), time.process_time()
                with db.engine.begin() as connection:
                    refresh(connection, team_ids, large=True, dates=dates, rows=rows)
                    analyze(connection)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            print(f"{args.backend}: refresh after an import of {rows:,} attendance rows ({TEAMS} teams, "
                  f"{dates[0]} to {dates[1]}): first {times[0]:.2f} s, median {statistics.median(times):.2f} s of "
                  f"{args.runs} ({', '.join(f'{t:.2f}' for t in times)}); this process's CPU (SQLite works in "
                  f"it; a fairer figure on a busy machine) {', '.join(f'{t:.2f}' for t in cpu)} s; "
                  f"load average {os.getloadavg()[0]:.1f}")
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
