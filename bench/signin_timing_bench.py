"""Sign-in timing: does a wrong password for a known email take as long as one for an unknown email?

    .venv/bin/python bench/signin_timing_bench.py [--runs 21]

A known email once answered ten times slower than an unknown one, telling which accounts exist. Each sign-in now
checks one hash of the configured cost, the account's or a dummy one (tests/auth/test_throttle.py asserts that
exactly); this prints the clock: interleaved sign-ins through the test client on SQLite, their fastest and median
for each, and the ratio known / unknown (about 1 when nothing leaks; the leak was 10x).
"""
import argparse
import os
os.environ.setdefault("IMR_ENV", "development")  # main refuses to start without it; a bench is not production
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from models import User  # noqa: E402
from models.cli import upgrade_database  # noqa: E402

KNOWN, UNKNOWN, WRONG = "known@state.example", "nobody@state.example", "wrong-password-here"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="signin-bench-") as folder:
        times = measure(os.path.join(folder, "bench.sqlite3"), args.runs)
    for email, found in times.items():
        print(f"{email:24} fastest {min(found) * 1000:7.1f} ms  median {statistics.median(found) * 1000:7.1f} ms")
    print(f"known / unknown: fastest {min(times[KNOWN]) / min(times[UNKNOWN]):.2f}x, median "
          f"{statistics.median(times[KNOWN]) / statistics.median(times[UNKNOWN]):.2f}x "
          f"(about 1 when nothing tells them apart; the leak was 10x), {args.runs} sign-ins each, load average "
          f"{os.getloadavg()[0]:.1f}")


def measure(path, runs):
    """{email: [seconds of each wrong-password sign-in]}, interleaved, on a fresh SQLite database at path."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": False,
                      "SIGNIN_FREE_FAILURES": 10 * runs, "SIGNIN_ADDRESS_FREE_FAILURES": 10 * runs})
    with app.app_context():
        upgrade_database()
        user = User(email=KNOWN, role="trainer")
        user.set_password("the-right-password")  # at the configured cost, as every account
        db.session.add(user)
        db.session.commit()
        client = app.test_client()

        def seconds(email):
            started = time.perf_counter()
            assert client.post("/sign-in", data={"email": email, "password": WRONG}).status_code == 401
            return time.perf_counter() - started
        times = {KNOWN: [], UNKNOWN: []}
        for _ in range(runs):
            for email in times:
                times[email].append(seconds(email))
    return times


if __name__ == "__main__":
    main()
