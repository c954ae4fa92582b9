"""50 signed-in people using the production stack at once: requests/s, p50/p95/p99 per route group, errors.

    /work/main/.venv/bin/python bench/load_bench.py [--seconds 60] [--users 50] [--think 5] [--warmup 20]
                                                     [--with-import]

It starts what production runs (README, "Running in production"): a throwaway PostgreSQL (tests/pgserver.py;
BENCH_POSTGRES_URL names another server, on which it creates a database), gunicorn with 4 workers in
production mode on 127.0.0.1, the import worker and the scheduler; loads the demo state, adds 50 accounts
(20 managers on program/team dashboards and the engagement API, 15 trainers on the state overview and
fidelity reports and history, 15 clerks on program pages and import history) and signs each in once.
They click for --warmup seconds unmeasured (each worker's first pages compile templates and import
Plotly, as after a deploy), then for --seconds, each reading a page for 0.5-1.5x --think seconds (5 by
default: a dashboard or a report is read, not skimmed; 50 such people ask about 10 pages a second;
--think 1 finds the ceiling). With --with-import a clerk then uploads a 500,000-row attendance workbook
(bench/import_bench.py's cached_workbook) through the API with commit=true while the same people go on;
the figures cover the requests that overlapped the import, and its write phase is given apart.

The client is a small asyncio one (aiohttp, one thread): on this 2-core machine the load generator shares
the cores with the server it measures, and 50 Python threads (or Locust's gevent users with `requests`)
cost several times more CPU per request than one event loop with aiohttp's C parser; the bench prints the
share of a core the client used and the load average beside every figure.
Targets (issue 17): 0 errors, p95 <= 500 ms at 50 users, the same during the import, no request over 1 s.
"""
import argparse
import asyncio
import json
import os
import random
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "load-bench-password-1"
MIX = {"manager": 20, "trainer": 15, "clerk": 15}  # scaled to --users
IMPORT_ROWS = 500_000
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- the stack -------------------------------------------------------------------------------------------
def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(workdir):
    """(URL of a new empty database, throwaway server or None)."""
    from sqlalchemy import create_engine, text
    server, url = None, os.environ.get("BENCH_POSTGRES_URL")
    if not url:
        from tests import pgserver
        server = pgserver.start()
        url = server.url
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS imr_load_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE imr_load_bench"))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/imr_load_bench", server


def _flask(env, *args):
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def prepare(users, with_import):
    """In a child process: the bench accounts and, for each, the pages they visit ({email: [[group, path]]})."""
    from sqlalchemy import select

    from app import create_app
    from extensions import db
    from fidelity.models import Assessment
    from models import Agency, Program, Team, User
    app = create_app()
    plan = {}
    with app.app_context():
        agencies = db.session.scalars(select(Agency).order_by(Agency.id)).all()
        programs = {a.id: db.session.scalars(select(Program).where(Program.agency_id == a.id)).all() for a in agencies}
        teams = {p.id: db.session.scalars(select(Team.id).where(Team.program_id == p.id)).all()
                 for ps in programs.values() for p in ps}
        finals = db.session.scalars(select(Assessment.id).where(Assessment.status == "final")).all()
        all_programs = [p.id for ps in programs.values() for p in ps]
        counts = {role: max(1, round(n * users / sum(MIX.values()))) for role, n in MIX.items()}
        for role, count in counts.items():
            for i in range(count):
                agency = agencies[i % len(agencies)]
                email = f"load-{role}-{i:02d}@bench.example"
                user = User(email=email, role=role, agency_id=None if role == "trainer" else agency.id)
                user.set_password(PASSWORD)  # scrypt, as in production: signing in costs what it costs there
                db.session.add(user)
                own = [p.id for p in programs[agency.id]]
                if role == "manager":
                    pages = [("manager: program dashboard", f"/dashboards/programs/{p}") for p in own]
                    pages += [("manager: team dashboard", f"/dashboards/teams/{t}") for p in own for t in teams[p]]
                    pages += [("manager: engagement API", f"/api/v1/programs/{p}/engagement") for p in own]
                elif role == "trainer":
                    pages = [("trainer: state overview", "/dashboards/state")] * 4
                    pages += [("trainer: fidelity report", f"/fidelity/assessments/{a}/report") for a in finals]
                    pages += [("trainer: fidelity history", f"/fidelity/programs/{p}/history") for p in all_programs]
                else:
                    pages = [("clerk: program page", f"/programs/{p}") for p in own]
                    pages += [("clerk: import history", "/imports/")] * len(own)
                plan[email] = pages
        if with_import:
            from bench.import_bench import seed
            seed(IMPORT_ROWS)  # the agency, teams and participants the workbook names
            bench = db.session.scalar(select(Agency).where(Agency.code == "BENCH"))
            clerk = User(email="load-import-clerk@bench.example", role="clerk", agency_id=bench.id)
            clerk.set_password(PASSWORD)
            db.session.add(clerk)
        db.session.commit()
    print(json.dumps(plan))


def start_stack(workdir, with_import):
    """Database, demo state, accounts, then gunicorn, the worker and the scheduler: (base URL, plan, stop)."""
    url, server = _database(workdir)
    env = {**os.environ, "DATABASE_URL": url, "IMR_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "IMR_INSTANCE_PATH": os.path.join(workdir, "instance")}
    _flask(env, "init-db")
    _flask(env, "demo-data")
    out = subprocess.run([sys.executable, __file__, "--prepare", str(ARGS.users), str(int(with_import))], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=True)
    plan = json.loads(out.stdout.strip().splitlines()[-1])
    port = _free_port()
    logs = {name: open(os.path.join(workdir, f"{name}.log"), "w") for name in ("web", "worker", "scheduler")}
    commands = {"web": [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--workers", "4", "--bind",
                        f"127.0.0.1:{port}", "app:create_app()"],
                "worker": [sys.executable, "-m", "flask", "--app", "app", "worker"],
                "scheduler": [sys.executable, "-m", "flask", "--app", "app", "scheduler"]}
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT)
                 for name, command in commands.items()]

    def stop():
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()
        if server:
            server.stop()
    SERVER_PIDS["gunicorn"] = processes[0].pid
    if server:
        with open(os.path.join(server.data_dir, "postmaster.pid")) as f:
            SERVER_PIDS["postgres"] = int(f.readline())
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):  # until a worker answers, not just until the port is bound
        try:
            urllib.request.urlopen(f"{base}/sign-in", timeout=5).close()
            break
        except OSError:
            time.sleep(0.2)
    return base, plan, stop


# --- the people ------------------------------------------------------------------------------------------
async def sign_in(session, base, email):
    async with session.get(f"{base}/sign-in") as page:
        token = _TOKEN.search(await page.text()).group(1)
    async with session.post(f"{base}/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False) as answer:
        assert answer.status == 302, f"{email} could not sign in ({answer.status})"
    async with session.get(f"{base}/") as home:
        return _TOKEN.search(await home.text()).group(1)


async def person(session, base, pages, until, think, record):
    while time.time() < until():
        group, path = random.choice(pages)
        began, clock = time.time(), time.perf_counter()
        try:
            async with session.get(base + path, allow_redirects=False) as answer:
                await answer.read()
                status = answer.status
        except Exception as e:  # a refused or dropped connection is an error the people saw
            status = type(e).__name__
        record.append((began, time.perf_counter() - clock, group, status))
        await asyncio.sleep(think * random.uniform(0.5, 1.5))


def _session(aiohttp, base):
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[base])  # production cookies are Secure
    return aiohttp.ClientSession(cookie_jar=jar, connector=aiohttp.TCPConnector(limit=1))


async def run(base, plan, args):
    import aiohttp
    sessions = {email: _session(aiohttp, base) for email in plan}
    started = time.perf_counter()
    for batch in range(0, len(plan), 10):  # 10 at a time: scrypt on 4 workers is the cost of a sign-in
        emails = list(plan)[batch:batch + 10]
        await asyncio.gather(*(sign_in(sessions[e], base, e) for e in emails))
    print(f"signed in {len(plan)} people in {time.perf_counter() - started:.1f} s")
    try:
        # Each gunicorn worker's first pages are slow (templates compiled, Plotly imported): as after a
        # deploy, not all day. They are clicked through before measuring.
        await _phase(sessions, base, plan, args, [], lambda w=time.time() + args.warmup: w)
        record, cpu = [], _cpu()
        end = time.time() + args.seconds
        await _phase(sessions, base, plan, args, record, lambda: end)
        report(f"{len(plan)} people for {args.seconds} s", record, end - args.seconds, end, cpu)
        if args.with_import:
            await _with_import(aiohttp, sessions, base, plan, args)
    finally:
        await asyncio.gather(*(s.close() for s in sessions.values()))


async def _phase(sessions, base, plan, args, record, until):
    await asyncio.gather(*(person(sessions[e], base, plan[e], until, args.think, record) for e in plan))


async def _with_import(aiohttp, sessions, base, plan, args):
    from bench.import_bench import cached_workbook
    path = cached_workbook(IMPORT_ROWS)
    clerk = _session(aiohttp, base)
    token = await sign_in(clerk, base, "load-import-clerk@bench.example")
    state = {"done": False, "write": [None, None]}
    record = []
    people = asyncio.ensure_future(_phase(sessions, base, plan, args, record, lambda: 0 if state["done"] else 1e12))
    await asyncio.sleep(2 * args.think)  # the people are clicking before the file arrives
    began, cpu = time.time(), _cpu()
    form = aiohttp.FormData({"kind": "sessions", "commit": "true"})
    form.add_field("file", open(path, "rb"), filename=os.path.basename(path))
    async with clerk.post(f"{base}/api/v1/imports", data=form, headers={"X-CSRFToken": token}) as answer:
        assert answer.status in (201, 202), f"upload refused: {answer.status} {await answer.text()}"
        location = answer.headers["Location"]
    while True:  # the clerk's page polls the batch, as the import page does
        await asyncio.sleep(0.5)
        async with clerk.get(base + location) as answer:
            batch = (await answer.json())["imports"]
        if batch.get("phase") == "writing" and state["write"][0] is None:
            state["write"][0] = time.time()
        if not batch["running"]:
            state["write"][1] = time.time()
            break
    ended = time.time()
    state["done"] = True
    await people
    await clerk.close()
    print(f"\nimport of {IMPORT_ROWS:,} rows: {batch['status']} in {ended - began:.1f} s ({batch.get('message')})")
    report("during the import", record, began, ended, cpu)
    if state["write"][0]:
        w0, w1 = state["write"]
        during = [r for r in record if r[0] <= w1 and r[0] + r[1] >= w0]
        print(f"  during its {w1 - w0:.1f} s write phase: {len(during)} requests, longest "
              f"{max((r[1] for r in during), default=0):.3f} s, {sum(r[1] > 1 for r in during)} over 1 s")


# --- figures ---------------------------------------------------------------------------------------------
def _pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def _process_cpu():
    """{pid: (parent pid, CPU seconds)} of every process, from /proc."""
    found, tick = {}, os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(pid)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def _cpu():
    """CPU seconds used so far by this client, gunicorn (master and workers) and the bench's PostgreSQL."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = {"client": usage.ru_utime + usage.ru_stime}
    table = _process_cpu()
    for name, root in SERVER_PIDS.items():
        used[name] = sum(cpu for pid, (parent, cpu) in table.items() if root in (pid, parent))
    return used


def report(title, record, start, end, cpu_start):
    during = [r for r in record if r[0] <= end and r[0] + r[1] >= start]
    seconds = max(end - start, 1e-9)
    cpu = {name: used - cpu_start.get(name, 0.0) for name, used in _cpu().items()}
    per_request = ", ".join(f"{name} {cpu[name] / max(len(during), 1) * 1000:.0f} ms" for name in SERVER_PIDS)
    print(f"\n{title}: {len(during)} requests, {len(during) / seconds:.1f} requests/s; load average "
          f"{os.getloadavg()[0]:.1f}; this client used {cpu['client'] / seconds:.0%} of a core; server CPU per "
          f"request: {per_request} (2 cores / their sum = the ceiling on an idle machine)")
    print(f"  {'route group':28} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    groups = sorted({r[2] for r in during})
    for group in groups + ["all"]:
        times = [r[1] * 1000 for r in during if group in ("all", r[2])]
        print(f"  {group:28} {len(times):6} {_pct(times, 50):8.0f} {_pct(times, 95):8.0f} {_pct(times, 99):8.0f} "
              f"{max(times, default=0):8.0f}")
    errors = {}
    for r in during:
        if r[3] != 200:
            errors[str(r[3])] = errors.get(str(r[3]), 0) + 1
    print(f"  errors by status: {errors or 'none'}; longest request {max((r[1] for r in during), default=0):.3f} s, "
          f"{sum(r[1] > 1 for r in during)} over 1 s")
    slow = [0] * (int(seconds // 5) + 1)
    for r in during:
        if r[1] > 1:
            slow[max(0, int((r[0] - start) // 5))] += 1
    if any(slow):  # a stall shows as a cluster, a slow page as a spread
        print(f"  requests over 1 s by when they began (5 s steps): {slow}")


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds a person reads a page before the next (lower it to find the ceiling)")
    parser.add_argument("--warmup", type=int, default=20, help="seconds of clicking before measuring")
    parser.add_argument("--with-import", action="store_true")
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    ARGS = parser.parse_args()
    if ARGS.prepare:
        return prepare(int(ARGS.prepare[0]), ARGS.prepare[1] == "1")
    with tempfile.TemporaryDirectory(prefix="imr-load-bench-") as workdir:
        started = time.perf_counter()
        base, plan, stop = start_stack(workdir, ARGS.with_import)
        try:
            print(f"stack up in {time.perf_counter() - started:.0f} s: gunicorn (4 workers) on {base}, import worker, "
                  f"scheduler, PostgreSQL; {len(plan)} people")
            asyncio.run(run(base, plan, ARGS))
        finally:
            stop()
            for name in ("web", "worker", "scheduler"):
                with open(os.path.join(workdir, f"{name}.log")) as log:
                    tracebacks = log.read().count("Traceback")
                if tracebacks:
                    print(f"{name} log: {tracebacks} tracebacks")


ARGS = None
SERVER_PIDS = {}  # name: pid whose process and children are the server's (CPU per request)

if __name__ == "__main__":
    main()
