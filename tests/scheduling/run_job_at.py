"""Run the daily job in its own process, starting at an agreed moment so two such processes overlap.

Usage: python -m tests.scheduling.run_job_at START_EPOCH YYYY-MM-DD   (DATABASE_URL, SMTP_* from the environment)
Prints the job's counts as JSON.
"""
import json
import sys
import time
from datetime import date

from app import create_app
from scheduling import jobs


def main(start_at, day):
    app = create_app()
    with app.app_context():
        from extensions import db
        db.session.execute(db.text("SELECT 1"))  # connect before the start line, not after it
    time.sleep(max(0.0, start_at - time.time()))
    print(json.dumps(jobs.daily(app, date.fromisoformat(day))))


if __name__ == "__main__":
    main(float(sys.argv[1]), sys.argv[2])
