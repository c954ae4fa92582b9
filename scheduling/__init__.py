"""Reassessment scheduling: each program's next fidelity visit, the daily reminder job and notifications.

due_dates.py is pure (no Flask, no database); jobs.py holds the scheduler's jobs as plain functions of
(app, today); scheduler.py and cli.py run them in their own process, never inside the web workers.
"""
