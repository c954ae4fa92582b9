"""How long the fidelity pages take on a state with many visits: prints figures, asserts nothing.

Run: .venv/bin/python bench/fidelity_pages.py [--visits N]
Builds the demo state in a temporary SQLite file, adds N final IMR Fidelity visits spread over its
programs (through the history interface, as the historical import does), then times the pages a
trainer opens most: the state view (latest per program + heatmap), a program history, a report.
"""
import argparse
import os
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import random
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from demo.data import build_demo_state  # noqa: E402
from demo.plan import DEMO_PASSWORD  # noqa: E402
from extensions import db  # noqa: E402
from fidelity.scales import catalog  # noqa: E402
from fidelity.visits.imported import record_historical_assessment  # noqa: E402
from models import Program  # noqa: E402
from models.cli import upgrade_database  # noqa: E402


def timed(client, url, repeat=5):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=2000)
    args = parser.parse_args()
    path = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade_database()
        build_demo_state(db.session, seed=1, today=date(2026, 11, 23))
        programs = db.session.scalars(select(Program)).all()
        rng = random.Random(1)
        scale = catalog.get_scale(catalog.headline_key())
        start = time.perf_counter()
        for i in range(args.visits):
            ratings = {item.number: rng.randint(2, 5) for item in scale.items}
            record_historical_assessment(db.session, program=programs[i % len(programs)], team=None,
                                         scale_key=scale.key, scale_version=scale.version, format="group",
                                         visit_date=date(2010, 1, 1) + timedelta(days=i * 2), ratings=ratings)
        db.session.commit()
        print(f"recorded {args.visits} historical visits in {time.perf_counter() - start:.2f} s")
        latest = db.session.execute(db.text("SELECT max(id) FROM assessment")).scalar()
        program_id = programs[0].id
    client = app.test_client()
    response = client.post("/sign-in", data={"email": "trainer@demo.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    pages = (("state view", "/fidelity/state"), ("program history", f"/fidelity/programs/{program_id}/history"),
             ("report", f"/fidelity/assessments/{latest}/report"), ("visit list", "/fidelity/"),
             ("report .xlsx", f"/fidelity/assessments/{latest}/report.xlsx"))
    for label, url in pages:
        print(f"{label:16} {timed(client, url) * 1000:7.1f} ms (best of 5)")


if __name__ == "__main__":
    main()
