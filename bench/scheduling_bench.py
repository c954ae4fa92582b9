"""Scheduling speed at more than state scale: 500 programs, 2,000 final visits, 100 managers, on SQLite.

    .venv/bin/python bench/scheduling_bench.py [--db PATH] [--runs 10]

Prints the median time of the trainers' due list (all programs, through the test client), the first
daily run (marks every due visit and writes every reminder, one commit each) and a second run the same
day (nothing to do: the cost of idempotence). No target in the issue; these are for the record.
"""
import argparse
import os
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from fidelity.scales import catalog  # noqa: E402
from scoring.fidelity import band_for  # noqa: E402
from extensions import db  # noqa: E402
from fidelity.models import Assessment  # noqa: E402
from models import Agency, Program, User  # noqa: E402
from models.cli import upgrade_database  # noqa: E402
from scheduling import jobs  # noqa: E402
from scheduling.models import Reminder  # noqa: E402

AGENCIES, PROGRAMS_PER_AGENCY, VISITS_PER_PROGRAM = 50, 10, 4
TODAY = date.today()
EMAIL, PASSWORD = "bench.trainer@state.example", "bench-password"


def build(seed=5):
    rng = random.Random(seed)
    db.session.execute(insert(Agency), [{"code": f"AG{a:02d}", "name": f"Agency {a:02d}"} for a in range(AGENCIES)])
    agency_ids = db.session.scalars(select(Agency.id)).all()
    start = datetime.combine(TODAY - timedelta(days=3 * 365), datetime.min.time())
    db.session.execute(insert(Program), [{"agency_id": a, "name": f"Program {p}", "created_at": start}
                                         for a in agency_ids for p in range(PROGRAMS_PER_AGENCY)])
    visits = []
    scale = catalog.get_scale(catalog.headline_key())  # the scale that sets the rhythm, as scheduling asks
    for program_id in db.session.scalars(select(Program.id)).all():
        day = TODAY - timedelta(days=rng.randint(700, 900))
        for _ in range(VISITS_PER_PROGRAM):
            score = round(rng.uniform(2.5, 4.8), 2)
            band = band_for(score, scale.bands).key
            visits.append({"program_id": program_id, "scale_key": scale.key, "scale_version": scale.version,
                           "format": "group", "visit_date": day, "status": "final", "summary_score": score,
                           "band": band, "created_at": start, "finalized_at": start})
            day += timedelta(days=rng.randint(150, 220))
    db.session.execute(insert(Assessment), visits)
    for a in agency_ids:
        for m in range(2):
            user = User(email=f"m{m}@ag{a}.example", role="manager", agency_id=a)
            user.set_password(PASSWORD)
            db.session.add(user)
    trainer = User(email=EMAIL, role="trainer")
    trainer.set_password(PASSWORD)
    db.session.add(trainer)
    db.session.commit()


def timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.path.join(tempfile.mkdtemp(prefix="sched-bench-"), "bench.sqlite3"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_database()
        build()
        client = app.test_client()
        client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
        assert client.get("/visits-due?show=all").status_code == 200
        page = statistics.median(timed(lambda: client.get("/visits-due?show=all")) for _ in range(args.runs))
        programs = db.session.scalar(select(func.count()).select_from(Program))
        first = timed(lambda: jobs.daily(app, TODAY))
        reminders = db.session.scalar(select(func.count()).select_from(Reminder))
        second = timed(lambda: jobs.daily(app, TODAY))
    print(f"programs {programs}, final visits {programs * VISITS_PER_PROGRAM}")
    print(f"due list, all programs: median {page * 1000:.0f} ms over {args.runs} requests")
    print(f"first daily run: {first:.2f} s ({reminders} reminders written, in-app only)")
    print(f"second daily run the same day (idempotent, nothing new): {second:.2f} s")


if __name__ == "__main__":
    main()
