"""Dashboard speed at state scale: 200 teams, 10,000 participants, 1,000,000 attendance rows.

    /work/main/.venv/bin/python bench/dashboard_bench.py [--db PATH] [--rebuild] [--runs 20] [--backend sqlite]

SQLite (the issue's figures) builds the data once (kept in --db; --rebuild starts over); PostgreSQL
(--backend postgresql, the production database) builds it in a throwaway server (tests/pgserver.py) or in
the empty database BENCH_POSTGRES_URL names. Then it prints the median of `runs` requests
after a warm-up for each page through the test client, beside the bare SQL aggregate the page rests on,
and their ratio. The bare aggregate is the very statement the page runs for its numbers (program and
team pages: offered sessions per participant, month and module; the overview: its per-program counts),
executed alone. Page and bare query are timed alternately, each in an application context of its own as
on a server, so a shared machine's drift affects both alike.
Targets: program dashboard <= 100 ms, state overview <= 250 ms, ratio <= 2.
"""
import argparse
import os
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import random
import statistics
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from dashboards import page_queries, queries  # noqa: E402
from dashboards.summaries import refresh_teams  # noqa: E402
from dashboards.windows import default_window  # noqa: E402
from extensions import db  # noqa: E402
from models import Agency, Attendance, Participant, Program, Session, Team, User  # noqa: E402
from models.cli import upgrade_database  # noqa: E402

AGENCIES, PROGRAMS_PER_AGENCY, TEAMS_PER_PROGRAM, PEOPLE_PER_TEAM = 10, 5, 4, 50
ATTENDANCE_TARGET = 1_000_000
TODAY = date.today()
FIRST_DAY = TODAY - timedelta(days=3 * 365)
EMAIL, PASSWORD = "bench@state.example", "bench-password"


def build(seed=11):
    """Write the state-scale data set through SQLAlchemy Core (fast), then the summaries."""
    rng = random.Random(seed)
    started = time.perf_counter()
    team_rows, people, sessions = [], [], []
    for a in range(AGENCIES):
        agency_id = db.session.execute(insert(Agency).returning(Agency.id),
                                       [dict(code=f"AG{a:02d}", name=f"Agency {a:02d}")]).scalar_one()
        for p in range(PROGRAMS_PER_AGENCY):
            program_id = db.session.execute(insert(Program).returning(Program.id), [dict(
                agency_id=agency_id, name=f"Program {a:02d}-{p}", engagement_target=0.5)]).scalar_one()
            for t in range(TEAMS_PER_PROGRAM):
                fmt = "individual" if t == 3 else "group"
                team_id = db.session.execute(insert(Team).returning(Team.id), [dict(
                    program_id=program_id, name=f"Team {a:02d}-{p}-{t}", format=fmt)]).scalar_one()
                team_rows.append((team_id, agency_id, fmt, rng.uniform(0.3, 0.9)))
    next_person = 1
    for team_id, agency_id, fmt, propensity in team_rows:
        for _ in range(PEOPLE_PER_TEAM):
            start = FIRST_DAY + timedelta(days=rng.randint(0, 500))
            end = start + timedelta(days=rng.randint(150, 700)) if rng.random() < 0.25 else None
            people.append(dict(id=next_person, agency_id=agency_id, team_id=team_id, client_code=f"C{next_person:06d}",
                               referral_date=start - timedelta(days=rng.randint(0, 60)), start_date=start,
                               end_date=end if end and end < TODAY else None, format=fmt))
            next_person += 1
    db.session.execute(insert(Participant), people)
    by_team = {}
    for person in people:
        by_team.setdefault(person["team_id"], []).append(person)
    next_session, attendance = 1, []
    for team_id, agency_id, fmt, propensity in team_rows:
        if fmt == "group":
            day, module = FIRST_DAY, 0
            while day <= TODAY:
                module = module % 11 + 1 if rng.random() < 0.25 else max(module, 1)
                sessions.append(dict(id=next_session, team_id=team_id, participant_id=None, session_date=day,
                                     module=module))
                for person in by_team[team_id]:
                    if person["start_date"] <= day and (person["end_date"] is None or day <= person["end_date"]):
                        _attend(rng, attendance, next_session, person["id"], propensity)
                next_session += 1
                day += timedelta(days=7)
        else:
            for person in by_team[team_id]:
                day, module = person["start_date"], 1
                while day <= (person["end_date"] or TODAY):
                    module = module % 11 + 1 if rng.random() < 0.25 else module
                    sessions.append(dict(id=next_session, team_id=team_id, participant_id=person["id"],
                                         session_date=day, module=module))
                    _attend(rng, attendance, next_session, person["id"], propensity)
                    next_session += 1
                    day += timedelta(days=7)
    db.session.execute(insert(Session), sessions)
    attendance = attendance[:ATTENDANCE_TARGET]
    for i in range(0, len(attendance), 100_000):
        db.session.execute(insert(Attendance), attendance[i:i + 100_000])
    user = User(email=EMAIL, role="admin")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    loaded = time.perf_counter()
    refresh_teams(None)
    print(f"built {len(team_rows)} teams, {len(people)} participants, {len(sessions)} sessions, "
          f"{len(attendance)} attendance rows in {loaded - started:.1f} s; "
          f"summaries {time.perf_counter() - loaded:.1f} s")


def _attend(rng, rows, session_id, participant_id, propensity):
    if rng.random() < 0.96:  # the rest have no row: offered, not attended
        status = "attended" if rng.random() < propensity else ("excused" if rng.random() < 0.3 else "absent")
        rows.append(dict(session_id=session_id, participant_id=participant_id, status=status))


def paired_medians(page, bare, runs):
    """Medians (ms) of `runs` timings of page and bare, taken alternately after a warm-up of each.

    Alternating puts both under the same machine conditions, so their ratio holds even when a shared
    machine's speed drifts during the run.
    """
    page(), bare()
    times = {page: [], bare: []}
    for _ in range(runs):
        for fn in (page, bare):
            started = time.perf_counter()
            fn()
            times[fn].append((time.perf_counter() - started) * 1000)
    return statistics.median(times[page]), statistics.median(times[bare])


def get(client, url):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return fetch


def run_cli(description, default_db, measure):
    """Parse --db/--rebuild/--runs/--backend and run `measure(url, runs, fresh)` on SQLite or a PostgreSQL."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", default=default_db)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    if args.backend == "postgresql":
        url, server = os.environ.get("BENCH_POSTGRES_URL"), None
        if not url:
            from tests import pgserver
            server = pgserver.start()
            url = server.url
        try:
            measure(url, args.runs, fresh=True)
        finally:
            if server:
                server.stop()
        return
    if args.rebuild and os.path.exists(args.db):
        os.remove(args.db)
    measure(f"sqlite:///{args.db}", args.runs, fresh=not os.path.exists(args.db))


def main():
    run_cli(__doc__.splitlines()[0], "/tmp/imr-dashboard-bench.sqlite3", measure)


def measure(url, runs, fresh):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        if fresh:
            upgrade_database()
            build()
        rows = db.session.scalar(select(func.count()).select_from(Attendance))
        print(f"attendance rows: {rows}; summary rows: "
              f"{db.session.scalar(select(func.count()).select_from(queries.M))}")
        program = db.session.scalars(select(Program).order_by(Program.id)).first()
        program_id, team_id = program.id, program.teams[0].id
        window = default_window(TODAY)
        program_scope = page_queries.Scope(tuple(t.id for t in program.teams), None, window)
        team_scope = page_queries.Scope((team_id,), None, window)
        people = page_queries.people(program_scope)
        db.session.remove()

    # Each request and each bare query runs in an application context of its own, as on a server: nothing
    # is left in a session's identity map from one request to the next.
    def bare(fn, *args):
        def run():
            with app.app_context():
                fn(*args)
        return run

    def grain(scope):  # the bare aggregate a program or team page rests on: the very statement it runs, alone
        page_queries.offered_grain(scope).all()

    client = app.test_client()
    client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
    print(f"program: {len(program_scope.team_ids)} teams, {len(people)} participants enrolled in {window.start} "
          f"to {window.end}")
    backend = url.split(":")[0].split("+")[0]
    print(f"{'page (' + backend + ')':44} {'median ms':>10} {'bare SQL ms':>12} {'ratio':>6}  target")
    cases = [
        ("program dashboard /dashboards/programs/<id>", f"/dashboards/programs/{program_id}",
         bare(grain, program_scope), 100),
        ("program API /api/v1/programs/<id>/engagement", f"/api/v1/programs/{program_id}/engagement",
         bare(grain, program_scope), 100),
        ("team dashboard /dashboards/teams/<id>", f"/dashboards/teams/{team_id}", bare(grain, team_scope), 100),
        ("state overview /dashboards/state", "/dashboards/state",
         bare(queries.program_counts, None, window, 0.5), 250),
    ]
    for label, url, sql, target in cases:
        page, bare_ms = paired_medians(get(client, url), sql, runs)
        verdict = "ok" if page <= target else "SLOW"
        print(f"{label:44} {page:10.1f} {bare_ms:12.1f} {page / bare_ms:6.2f}  <= {target} ms: {verdict}")


if __name__ == "__main__":
    main()
