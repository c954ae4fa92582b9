"""Evidence panel speed: a program of 20 teams in a database of 1,000,000 attendance rows, with goal tracking.

    .venv/bin/python bench/evidence_bench.py [--db PATH] [--rebuild] [--runs 20] [--backend both]

The data set is bench/dashboard_bench.py's (10 agencies, 10,000 participants, 1,000,000 attendance rows)
shaped as one program of 20 teams per agency, plus goal tracking for every participant (a long-term goal, two
short-term goals, two steps, reviews). A visit of the first program is rated; the bench prints the median of
`runs` requests of the panel's API and of the rating page (which renders it), beside the bare SQL the panel
runs (its statements alone, fidelity/reports/evidence.py), and their ratio, then the bare SQL's median split by
the part of the panel each statement answers. Target: <= 150 ms median on each.
--backend both (the default) runs SQLite (data kept in --db) and then PostgreSQL (a throwaway server from
tests/pgserver.py, or BENCH_POSTGRES_URL: built there once, reused while it holds attendance rows), and prints
both; --backend sqlite or postgresql runs one.
"""
import os
import random
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("IMR_ENV", "test")  # config refuses to start without a named environment

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench import dashboard_bench as base  # noqa: E402
from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from fidelity.models import Assessment, AssessmentRater  # noqa: E402
from fidelity.scales import catalog  # noqa: E402
from fidelity.reports import evidence  # noqa: E402
from models import Attendance, Goal, GoalReview, Participant, Program, User  # noqa: E402
from models.cli import upgrade_database  # noqa: E402
from scoring.evidence import default_window  # noqa: E402

base.PROGRAMS_PER_AGENCY, base.TEAMS_PER_PROGRAM = 1, 20  # 10 programs of 20 teams, 200 teams in all
TODAY = base.TODAY
TARGET_MS = 150


def add_goals(seed=15):
    """A goal tree and reviews for every participant, written level by level through Core."""
    rng = random.Random(seed)
    people = db.session.execute(select(Participant.id, Participant.start_date)).all()
    next_id, goals, reviews = 1, [], []
    for pid, start in people:
        set_on = start + timedelta(days=rng.randint(7, 40))
        lt = next_id
        goals.append(dict(id=lt, participant_id=pid, reference="LT1", level="long_term", parent_id=None,
                          date_set=set_on, target_date=set_on + timedelta(days=182), status="active"))
        next_id += 1
        for n in (1, 2):
            st = next_id
            goals.append(dict(id=st, participant_id=pid, reference=f"ST{n}", level="short_term", parent_id=lt,
                              date_set=set_on, target_date=set_on + timedelta(days=42), status="achieved"))
            goals.append(dict(id=st + 1, participant_id=pid, reference=f"S{n}", level="step", parent_id=st,
                              date_set=set_on, target_date=set_on + timedelta(days=6), status="achieved"))
            next_id += 2
        day = set_on
        while day < TODAY and rng.random() < 0.97:
            reviews.append(dict(goal_id=lt, review_date=day))
            day += timedelta(days=rng.choice((7, 14, 28)))
    for level in ("long_term", "short_term", "step"):
        db.session.execute(insert(Goal), [g for g in goals if g["level"] == level])
    for i in range(0, len(reviews), 100_000):
        db.session.execute(insert(GoalReview), reviews[i:i + 100_000])
    for table in ("goal", "goal_review"):  # as the goal tracking import leaves them (imports/kinds/goals.py)
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    print(f"goals {len(goals)}, reviews {len(reviews)}")


def visit():
    program = db.session.scalars(select(Program).order_by(Program.id)).first()
    user = db.session.scalar(select(User).where(User.email == base.EMAIL))
    a = Assessment(program_id=program.id, scale_key=catalog.headline_key(), scale_version="3-24-05", format="group",
                   visit_date=TODAY, status="draft")
    db.session.add(a)
    db.session.flush()
    db.session.add(AssessmentRater(assessment_id=a.id, user_id=user.id))
    db.session.commit()
    return a.id, len(program.teams)


def measure(url, runs, fresh):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_database()  # a kept data set is brought to the code's schema (new indexes included)
        if fresh and not db.session.scalar(select(func.count()).select_from(Attendance)):  # BENCH_POSTGRES_URL kept
            base.build()
            add_goals()
        assessment_id, teams = visit()
        unit = evidence.unit_of(db.session.get(Assessment, assessment_id))
        db.session.remove()

    def bare(timings=None):  # the panel's statements alone, in an application context of their own as on a server
        with app.app_context():
            evidence.plan_short_queries()  # as the panel plans them (PostgreSQL: JIT off)
            for label, part in PARTS:
                started = time.perf_counter()
                part(unit)
                if timings is not None:
                    timings.setdefault(label, []).append((time.perf_counter() - started) * 1000)

    client = app.test_client()
    client.post("/sign-in", data={"email": base.EMAIL, "password": base.PASSWORD})
    backend = url.split(":")[0].split("+")[0]
    print(f"program of {teams} teams, window {default_window(TODAY).start} to {TODAY}")
    found = []
    for label, path in (("evidence API", f"/api/v1/fidelity/assessments/{assessment_id}/evidence"),
                        ("rating page (panel included)", f"/fidelity/assessments/{assessment_id}/rate")):
        page, bare_ms = base.paired_medians(base.get(client, path), bare, runs)
        found.append((backend, label, page, bare_ms))
        _print([found[-1]])
    timings = {}
    for _ in range(runs):
        bare(timings)
    print("bare SQL by part, median ms: " + ", ".join(
        f"{label} {statistics.median(ms):.1f}" for label, ms in timings.items()))
    RESULTS.extend(found)


# What the bare SQL runs, by the items each part answers (fidelity/reports/evidence.py), timed apiece too.
PARTS = (("sessions (items 1, 3)", evidence.sessions_in_window), ("program spans (item 2)", evidence.program_spans),
         ("goal depths (item 6)", evidence.goal_depths), ("follow-up (item 7)", evidence.follow_up))


RESULTS = []


def _print(rows):
    print(f"{'backend':10} {'page':30} {'median ms':>10} {'bare SQL ms':>12} {'ratio':>6}  target")
    for backend, label, page, bare_ms in rows:
        print(f"{backend:10} {label:30} {page:10.1f} {bare_ms:12.1f} {page / bare_ms:6.2f}  <= {TARGET_MS} ms median: "
              f"{'ok' if page <= TARGET_MS else 'SLOW'}")


def main():
    """--backend both (the default) measures SQLite, then PostgreSQL, and prints both side by side."""
    both = "--backend" not in sys.argv or sys.argv[sys.argv.index("--backend") + 1] == "both"
    if both:
        argv = [a for a in sys.argv if a not in ("--backend", "both")]
        for backend in ("sqlite", "postgresql"):
            sys.argv = argv + ["--backend", backend]
            base.run_cli(__doc__.splitlines()[0], "/tmp/imr-evidence-bench.sqlite3", measure)
        print("\nBoth backends (figures of one run, on this machine; judge by the ratios when it is shared):")
        _print(RESULTS)
    else:
        base.run_cli(__doc__.splitlines()[0], "/tmp/imr-evidence-bench.sqlite3", measure)


if __name__ == "__main__":
    main()
