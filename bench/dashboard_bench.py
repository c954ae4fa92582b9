"""Dashboard speed at state scale: 200 teams, 10,000 participants, 1,000,000 attendance rows per million.

    .venv/bin/python bench/dashboard_bench.py [--rows 1000000] [--backend sqlite|postgresql]
        [--db PATH] [--rebuild] [--runs 20] [--save FILE] [--compare FILE] [--to YYYY-MM-DD]

--rows scales the state: per million attendance rows 10 agencies of 5 programs of 4 teams of 50
participants (12,000,000: 2,400 teams, 120,000 participants, all US states). SQLite (the issue's figures
at 1M) builds the data once (kept in --db; --rebuild starts over); PostgreSQL (--backend postgresql, the
production database) builds it in a throwaway server (tests/pgserver.py) or in the empty database
BENCH_POSTGRES_URL names, by COPY (12M rows in a few minutes); a database it names that holds a state
already is brought to this code's schema (its migrations) and measured as it is. Then it prints, for the default window and
for a window cutting months at both ends, the median of `runs` requests after a warm-up for each page
through the test client, beside the bare SQL statement the page rests on, and their ratio. The bare
statement is the very one the page runs for its numbers (program and team pages, engagement API: offered
sessions per participant, month and module; the overview: the teams' kept numbers (dashboards/overview_counts.py),
and two more lines for the overview when it computes numbers again: after one team's data changed (bare: that
team's numbers) and the first time a window is looked at (bare: the one statement over every team)), executed alone. Page
and bare query are timed alternately, each in an application context of its own as on a server, so a
shared machine's drift affects both alike. Beside them: the statements the page sent and the time the request's
thread waited on them (all its SQL: their executions and, for the numbers' statement sent beside the others,
collecting its rows; PostgreSQL's measure, as SQLite runs a statement while its rows are fetched) with the
page's ratio to it. Besides its numbers' statement a page honestly needs six more (the signed-in user with their
agency and unread notices, the program or team (a team page reads its team in the user's statement,
auth/subjects.py: five), its participants with the goals panel's findings, their goals'
and, on a team page, the follow-up list's columns, modules delivered with freshness, the scale's versions,
fidelity visits); the statement timeout is a setting of the pooled connection (ops/faults.py). On PostgreSQL the
numbers' statement runs on a connection of its own beside them (dashboards/alongside.py), every statement of a GET
in autocommit (ops/faults.py), and each is planned anew on every request (psycopg's automatic preparing is off,
config.py) but the participants' statement, prepared on each connection (dashboards/prepared.py: the server plans
its first five runs on a connection anew, then keeps one plan when it is no costlier).
--to DATE: the windows as on that day instead of today (the data still ends today): the default window
ends on the day the bench runs, so a mid-month date measures a default window cutting months.
--save FILE keeps the figures; --compare FILE prints how each grew from that run (e.g. 1M to 12M rows):
the program and team pages should not grow with other programs' rows, the state overview reads every
team's kept numbers and grows with the state's teams (the first of a window, with its participants).
Targets (issue 16): program dashboard, team dashboard, engagement API <= 100 ms, state overview <= 250 ms,
ratio <= 2.
"""
import argparse
import json
import os
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import UniqueConstraint, delete, event, func, insert, select  # noqa: E402
from sqlalchemy.schema import AddConstraint, DropConstraint  # noqa: E402

from app import create_app  # noqa: E402
from dashboards import alongside, overview_counts, page_queries, queries  # noqa: E402
from dashboards.models import OverviewCounts  # noqa: E402
from dashboards.summaries import refresh_teams, stamp  # noqa: E402
from dashboards.windows import default_window  # noqa: E402
from extensions import db  # noqa: E402
from models import Agency, Attendance, Participant, Program, Session, Team, User  # noqa: E402
from models.cli import upgrade_database  # noqa: E402
from scoring.engagement import Window  # noqa: E402

AGENCIES, PROGRAMS_PER_AGENCY, TEAMS_PER_PROGRAM, PEOPLE_PER_TEAM = 10, 5, 4, 50  # per million rows
ATTENDANCE_TARGET = 1_000_000
TODAY = date.today()
FIRST_DAY = TODAY - timedelta(days=3 * 365)
EMAIL, PASSWORD = "bench@state.example", "bench-password"
SESSION_COLUMNS = ("id", "team_id", "participant_id", "session_date", "module")
ATTENDANCE_COLUMNS = ("session_id", "participant_id", "status")


def build(seed=11, rows=ATTENDANCE_TARGET):
    """Write the state-scale data set (COPY on PostgreSQL, SQLAlchemy Core on SQLite), then the summaries.

    The same seed gives the same data at 1M rows as before the bulk load (the figures stay comparable).
    """
    rng = random.Random(seed)
    started = time.perf_counter()
    agencies = max(1, round(AGENCIES * rows / ATTENDANCE_TARGET))
    team_rows, people = [], []
    agency_rows, program_rows, teams = [], [], []
    for a in range(agencies):
        agency_rows.append(dict(id=a + 1, code=f"AG{a:02d}", name=f"Agency {a:02d}"))
        for p in range(PROGRAMS_PER_AGENCY):
            program_id = len(program_rows) + 1
            program_rows.append(dict(id=program_id, agency_id=a + 1, name=f"Program {a:02d}-{p}",
                                     engagement_target=0.5))
            for t in range(TEAMS_PER_PROGRAM):
                fmt = "individual" if t == 3 else "group"
                teams.append(dict(id=len(teams) + 1, program_id=program_id, name=f"Team {a:02d}-{p}-{t}", format=fmt))
                team_rows.append((len(teams), a + 1, fmt, rng.uniform(0.3, 0.9)))
    db.session.execute(insert(Agency), agency_rows)
    db.session.execute(insert(Program), program_rows)
    db.session.execute(insert(Team), teams)
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
    sink = (CopySink if db.engine.dialect.name == "postgresql" else CoreSink)(rows)
    _sessions(rng, team_rows, people, sink)
    sessions, attendance = sink.finish()
    user = User(email=EMAIL, role="admin")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    _after_bulk_load()
    loaded = time.perf_counter()
    refresh_teams(None, large=True, rows=attendance)
    _after_bulk_load()
    print(f"built {len(team_rows)} teams, {len(people)} participants, {sessions} sessions, "
          f"{attendance} attendance rows in {loaded - started:.1f} s; "
          f"summaries {time.perf_counter() - loaded:.1f} s", flush=True)


def _sessions(rng, team_rows, people, sink):
    """Weekly group sessions of each group team, weekly individual sessions of each individual participant."""
    by_team = {}
    for person in people:
        by_team.setdefault(person["team_id"], []).append(person)
    next_session = 1
    for team_id, agency_id, fmt, propensity in team_rows:
        if fmt == "group":
            day, module = FIRST_DAY, 0
            while day <= TODAY:
                module = module % 11 + 1 if rng.random() < 0.25 else max(module, 1)
                sink.session((next_session, team_id, None, day, module))
                for person in by_team[team_id]:
                    if person["start_date"] <= day and (person["end_date"] is None or day <= person["end_date"]):
                        _attend(rng, sink, next_session, person["id"], propensity)
                next_session += 1
                day += timedelta(days=7)
        else:
            for person in by_team[team_id]:
                day, module = person["start_date"], 1
                while day <= (person["end_date"] or TODAY):
                    module = module % 11 + 1 if rng.random() < 0.25 else module
                    sink.session((next_session, team_id, person["id"], day, module))
                    _attend(rng, sink, next_session, person["id"], propensity)
                    next_session += 1
                    day += timedelta(days=7)


class CoreSink:
    """SQLite: rows in batches of 100,000 through SQLAlchemy Core, the sessions of a batch before its attendance."""

    def __init__(self, limit):
        self.limit, self.sessions, self.attendance, self.counts = limit, [], [], [0, 0]

    def session(self, row):
        self.sessions.append(dict(zip(SESSION_COLUMNS, row)))

    def attend(self, row):
        if self.counts[1] + len(self.attendance) < self.limit:  # the rest are drawn but not written
            self.attendance.append(dict(zip(ATTENDANCE_COLUMNS, row)))
            if len(self.attendance) >= 100_000:
                self.flush()

    def flush(self):
        for table, batch, i in ((Session, self.sessions, 0), (Attendance, self.attendance, 1)):
            if batch:
                db.session.execute(insert(table), batch)
                self.counts[i] += len(batch)
                batch.clear()

    def finish(self):
        self.flush()
        return tuple(self.counts)


class CopySink(CoreSink):
    """PostgreSQL: rows written to COPY text files, then loaded by COPY with the row-by-row key checks off
    (the generator keeps the keys) and each sequence moved past the ids given."""

    def __init__(self, limit):
        super().__init__(limit)
        self.files = [tempfile.TemporaryFile("w+") for _ in range(2)]

    def session(self, row):
        self.files[0].write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        self.counts[0] += 1

    def attend(self, row):
        if self.counts[1] < self.limit:
            self.files[1].write("%d\t%d\t%s\n" % row)
            self.counts[1] += 1

    def finish(self):
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        cursor = connection.connection.driver_connection.cursor()
        for file, table, columns in ((self.files[0], Session.__table__, SESSION_COLUMNS),
                                     (self.files[1], Attendance.__table__, ATTENDANCE_COLUMNS)):
            # Indexes and unique keys built once after the load: kept in order row by row they cost minutes.
            uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
            for unique in uniques:
                connection.execute(DropConstraint(unique))
            for index in table.indexes:
                index.drop(connection)
            file.seek(0)
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                while chunk := file.read(1 << 20):
                    copy.write(chunk)
            file.close()
            for unique in uniques:
                connection.execute(AddConstraint(unique))
            for index in table.indexes:
                index.create(connection)
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
        for table in ("agency", "program", "team", "participant", "imr_session"):
            connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))")
        return tuple(self.counts)


def _after_bulk_load():
    """PostgreSQL: VACUUM ANALYZE, so the planner knows the tables and index-only scans need no heap visit."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _attend(rng, sink, session_id, participant_id, propensity):
    if rng.random() < 0.96:  # the rest have no row: offered, not attended
        status = "attended" if rng.random() < propensity else ("excused" if rng.random() < 0.3 else "absent")
        sink.attend((session_id, participant_id, status))


def paired_medians(page, bare, runs, clock=None, before=None):
    """Medians (ms) of `runs` timings of page and bare, taken alternately after a warm-up of each.

    Alternating puts both under the same machine conditions, so their ratio holds even when a shared
    machine's speed drifts during the run. With a clock (SqlClock), also the median time and count of the
    statements the page sent: (page, bare, page's SQL, statements). before: called, untimed, before each page.
    """
    before = before or (lambda: None)
    before(), page(), bare()
    times = {page: [], bare: []}
    sql, statements = [], 0
    for _ in range(runs):
        for fn in (page, bare):
            if fn is page:
                before()
            if clock and fn is page:
                clock.reset()
            started = time.perf_counter()
            fn()
            times[fn].append((time.perf_counter() - started) * 1000)
            if clock and fn is page:
                sql.append(clock.total * 1000)
                statements = clock.count
    medians = statistics.median(times[page]), statistics.median(times[bare])
    return medians if clock is None else (*medians, statistics.median(sql), statements)


class SqlClock:
    """The time a request's thread waited on SQL, summed: its statements' executions (sent, run by the server
    and, on PostgreSQL, their rows received) and collecting the rows of the numbers' statement sent beside them
    (dashboards/alongside.py: its execution only sends it). A page's "all its SQL" beside the bare statement its
    numbers rest on. SQLite runs a statement as its rows are fetched, after this clock stops: there it counts
    little. A context manager: leaving it takes its listeners off the engine and puts collect back, so a second
    clock in the same process times each statement once."""

    def __init__(self, engine):
        self.engine, self.total, self.count = engine, 0.0, 0
        self._collect = alongside._Sent.collect

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        collect = self._collect

        def timed_collect(sent):
            started = time.perf_counter()
            try:
                return collect(sent)
            finally:
                self.total += time.perf_counter() - started
        alongside._Sent.collect = timed_collect
        return self

    def __exit__(self, *exc):
        alongside._Sent.collect = self._collect
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def reset(self):
        self.total, self.count = 0.0, 0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.total += time.perf_counter() - conn.info.pop("bench_started")
        self.count += 1


def get(client, url):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return fetch


def run_cli(description, default_db, measure, add_arguments=None):
    """Parse --db/--rebuild/--runs/--backend and run `measure(url, runs, fresh)` on SQLite or a PostgreSQL.

    add_arguments(parser): more options; measure then gets the parsed arguments as `args` too.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", default=default_db)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    extra = {}
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()
    if add_arguments:
        extra["args"] = args
    if args.backend == "postgresql":
        url, server = os.environ.get("BENCH_POSTGRES_URL"), None
        if not url:
            from tests import pgserver
            server = pgserver.start()
            url = server.url
        try:
            measure(url, args.runs, fresh=server is not None or not _populated(url), **extra)
        finally:
            if server:
                server.stop()
        return
    if args.rebuild and os.path.exists(args.db):
        os.remove(args.db)
    measure(f"sqlite:///{args.db}", args.runs, fresh=not os.path.exists(args.db), **extra)


def _populated(url):
    """Whether the database at `url` holds a built state already (BENCH_POSTGRES_URL kept from a run before)."""
    from sqlalchemy import create_engine, inspect
    engine = create_engine(url)
    try:
        return inspect(engine).has_table("attendance")
    finally:
        engine.dispose()


def _arguments(parser):
    parser.add_argument("--rows", type=int, default=ATTENDANCE_TARGET, help="attendance rows (scales the state)")
    parser.add_argument("--save", help="write the figures to this JSON file")
    parser.add_argument("--compare", help="print how each figure grew from the run saved in this JSON file")
    parser.add_argument("--to", type=date.fromisoformat, help="the windows as on this day (default: today)")


def main():
    run_cli(__doc__.splitlines()[0], "/tmp/imr-dashboard-bench.sqlite3", measure, _arguments)


def cut_window(today):
    """A year-long window starting and ending mid-month (the 15th to the 14th), so both edge months are partial."""
    end = today.replace(day=14) if today.day >= 14 else (today.replace(day=1) - timedelta(days=1)).replace(day=14)
    return Window(end.replace(year=end.year - 1, day=15), end)


TARGETS = {"program dashboard": 100, "team dashboard": 100, "engagement API": 100, "state overview": 250}


def measure(url, runs, fresh, args=None):
    rows_wanted = args.rows if args else ATTENDANCE_TARGET
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_database()  # a state kept from a run before gets this code's schema (its migrations) first
        if fresh:
            build(rows=rows_wanted)
        rows = db.session.scalar(select(func.count()).select_from(Attendance))
        print(f"attendance rows: {rows}; summary rows: monthly "
              f"{db.session.scalar(select(func.count()).select_from(queries.M))}, daily "
              f"{db.session.scalar(select(func.count()).select_from(queries.D))}")
        program = db.session.scalars(select(Program).order_by(Program.id)).first()
        program_id, team_ids = program.id, tuple(t.id for t in program.teams)
        db.session.remove()

    # Each request and each bare query runs in an application context of its own, as on a server: nothing
    # is left in a session's identity map from one request to the next.
    def bare(fn, *args):
        def run():
            with app.app_context():
                fn(*args)
        return run

    def grain(scope):  # the bare aggregate a program or team page rests on: the very statement it runs, alone
        page_queries.grain_rows(scope)

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
    backend = url.split(":")[0].split("+")[0]
    figures = {"backend": backend, "rows": rows, "pages": {}}
    today = args.to if args and args.to else TODAY
    windows = (("default window", default_window(today)), ("window cutting months", cut_window(today)))
    with SqlClock(engine) as clock:
        for window_name, window in windows:
            query = f"?from={window.start.isoformat()}&to={window.end.isoformat()}"
            program_scope = page_queries.Scope(team_ids, None, window)
            team_scope = page_queries.Scope(team_ids[:1], None, window)
            print(f"\n{window_name} {window.start} to {window.end}; program: {len(team_ids)} teams")
            print(f"{'page (' + backend + f', {rows:,} rows)':54} {'median ms':>10} {'bare SQL ms':>12} {'ratio':>6}"
                  f"  target{'':22} {'all SQL ms':>10} {'ratio':>6}")
            # The one statement over the state, as a first look at a window runs it (overview_counts._compute)
            every_team = bare(queries.team_counts, queries.participant_filter(), window, 0.5, True)
            cases = [
                ("program dashboard", f"/dashboards/programs/{program_id}", bare(grain, program_scope), None),
                ("team dashboard", f"/dashboards/teams/{team_ids[0]}", bare(grain, team_scope), None),
                # The overview reads the teams' kept numbers (dashboards/overview_counts.py) ...
                ("state overview", "/dashboards/state", bare(overview_counts.kept, window, 0.5), None),
                # ... computes again those of a team whose data changed (an import) ...
                ("state overview, 1 team changed", "/dashboards/state",
                 bare(queries.team_counts, queries.participant_filter(team_ids=team_ids[:1]), window, 0.5),
                 bare(_changed, team_ids[:1])),
                # ... and every team's, the first time anyone looks at a window.
                ("state overview, first of a window", "/dashboards/state", every_team, bare(_forget, window)),
                ("engagement API", f"/api/v1/programs/{program_id}/engagement", bare(grain, program_scope), None),
            ]
            for label, path, sql, before in cases:
                page, bare_ms, page_sql, statements = paired_medians(get(client, path + query), sql, runs, clock,
                                                                     before)
                target = TARGETS[label.split(",")[0]]
                verdict = "ok" if page <= target and page / bare_ms <= 2 else "SLOW"
                print(f"{label + ' ' + path:54} {page:10.1f} {bare_ms:12.1f} {page / bare_ms:6.2f}  "
                      f"<= {target} ms, <= 2x: {verdict:4}   {statements:2} statements: {page_sql:10.1f} "
                      f"{page / page_sql:6.2f}", flush=True)
                figures["pages"][f"{label}, {window_name}"] = [page, bare_ms]
            # Not a target: what the overview costs with none of its own statements, beside the kept numbers' one.
            with _overview_made_once():
                page, bare_ms = paired_medians(get(client, "/dashboards/state" + query),
                                               bare(overview_counts.kept, window, 0.5), runs)
            print(f"{'state overview, report made before (no statement)':54} {page:10.1f} {bare_ms:12.1f} "
                  f"{page / bare_ms:6.2f}  its signed-in user, rendering and Flask alone", flush=True)
    if args and args.save:
        with open(args.save, "w") as file:
            json.dump(figures, file, indent=1)
    if args and args.compare:
        _compare(args.compare, figures)


@contextmanager
def _overview_made_once():
    """The overview page with its report, program list and agency list each made by the first request and handed to
    every later one: what is left is the page's floor (the signed-in user's statement, rendering its 600 programs,
    Flask), beside the statement its kept numbers come from."""
    from dashboards import views
    made = {}

    def once(name, fn):
        def first(*args, **kwargs):
            if name not in made:
                made[name] = fn(*args, **kwargs)
            return made[name]
        return first
    names = ("overview_report", "programs_in", "visible_agencies")
    real = {name: getattr(views, name) for name in names}
    for name in names:
        setattr(views, name, once(name, real[name]))
    try:
        yield
    finally:
        for name in names:
            setattr(views, name, real[name])


def _changed(team_ids):
    """What an import of these teams does to the overview's kept numbers: their version counted up."""
    with db.engine.begin() as connection:
        stamp(connection, team_ids)


def _forget(window):
    """No team's numbers kept for this window, as before anyone looked at it."""
    with db.engine.begin() as connection:
        connection.execute(delete(OverviewCounts).where(OverviewCounts.window_start == window.start,
                                                        OverviewCounts.window_end == window.end))


def _compare(path, figures):
    """Print each page's growth from the saved run to this one."""
    with open(path) as file:
        before = json.load(file)
    print(f"\ngrowth from {before['rows']:,} rows ({before['backend']}) to {figures['rows']:,} rows "
          f"({figures['backend']}): page median, bare SQL median")
    for name, (page, bare_ms) in figures["pages"].items():
        if name in before["pages"]:
            page_before, bare_before = before["pages"][name]
            print(f"{name:54} {page_before:8.1f} -> {page:8.1f} ms ({page / page_before:5.2f}x)   "
                  f"bare {bare_before:8.1f} -> {bare_ms:8.1f} ms ({bare_ms / bare_before:5.2f}x)")


if __name__ == "__main__":
    main()
