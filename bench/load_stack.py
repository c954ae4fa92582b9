"""The production stack for bench/load_bench.py: a throwaway PostgreSQL with the demo state and the bench's
accounts, gunicorn (4 workers, production mode), the import worker and the scheduler, all on 127.0.0.1.

`python bench/load_stack.py --prepare USERS WITH_IMPORT` (run by start_stack) adds the accounts and prints,
for each, the pages that person visits.
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "load-bench-password-1"
MIX = {"manager": 20, "trainer": 15, "clerk": 15}  # scaled to the number of people
IMPORT_ROWS = 500_000
IMPORT_CLERK = "load-import-clerk@bench.example"
SERVER_PIDS = {}  # name: pid whose process and children are the server's (for CPU per request)


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
            clerk = User(email=IMPORT_CLERK, role="clerk", agency_id=bench.id)
            clerk.set_password(PASSWORD)
            db.session.add(clerk)
        db.session.commit()
    print(json.dumps(plan))


def start_stack(workdir, users, with_import):
    """Database, demo state, accounts, then gunicorn, the worker and the scheduler: (base URL, plan, stop)."""
    url, server = _database(workdir)
    # The stack runs in production mode; the demo state can only be loaded outside it (demo-data refuses
    # production), and the bench's admins and trainers sign in without a second factor (REQUIRE_2FA off):
    # it costs one page at sign-in, not on the pages measured.
    env = {**os.environ, "DATABASE_URL": url, "IMR_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "IMR_INSTANCE_PATH": os.path.join(workdir, "instance"), "REQUIRE_2FA": "false"}
    setup = {**env, "IMR_ENV": "development"}
    _flask(setup, "init-db")
    _flask(setup, "demo-data")
    out = subprocess.run([sys.executable, __file__, "--prepare", str(users), str(int(with_import))], cwd=ROOT,
                         env=setup, capture_output=True, text=True, check=True)
    plan = json.loads(out.stdout.strip().splitlines()[-1])
    port = _free_port()
    logs = {name: open(os.path.join(workdir, f"{name}.log"), "w") for name in ("web", "worker", "scheduler")}
    commands = {"web": [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--config",
                        "deploy/gunicorn.conf.py", "--workers", "4", "--bind", f"127.0.0.1:{port}", "app:create_app()"],
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


if __name__ == "__main__" and sys.argv[1:2] == ["--prepare"]:
    prepare(int(sys.argv[2]), sys.argv[3] == "1")
