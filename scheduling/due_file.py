"""The visits-due list as a file: the page's columns and dates, cells neutralised by spreadsheets/export.py."""
from date_text import day, moment
from scheduling.due_dates import UPCOMING_DAYS, describe_status
from spreadsheets.export import csv_bytes, downloaded_rows, xlsx_bytes

HEADER = ["Agency", "Program", "Due", "Status", "Set by", "Policy", "Trainer", "Visit"]  # the page's columns too


def file_rows(rows, today) -> list:
    """One line per program, as the page shows it; the due date a date (a date cell in .xlsx, ISO in CSV)."""
    return [[r.program.agency.code, r.program.name, r.next.due_date,
             f"{r.status.capitalize()}: {describe_status(r.next.due_date, today)}", r.next.explain(), r.policy_text,
             r.trainer_text, r.visit_text] for r in rows]


def due_file(kind, rows, today, scope, include_later, last_run, user) -> bytes:
    """The list as CSV (the table alone) or .xlsx (the table and an About sheet saying what it covers)."""
    table = file_rows(rows, today)
    if kind == "csv":
        return csv_bytes(HEADER, table)
    visits = f"overdue or due within {UPCOMING_DAYS} days" + (", and those due later" if include_later else "")
    checked = f"{moment(last_run.started_at)} ({last_run.outcome})" if last_run else "the scheduler has not run yet"
    about = [["Scope", scope], ["Visits", visits], ["As of", day(today)], ["Reminders last checked", checked],
             ["Policy", "months between visits below high / at high fidelity"], *downloaded_rows(user)]
    return xlsx_bytes([("Visits due", HEADER, table), ("About", ["Item", "Value"], about)])
