"""The scheduler's jobs: plain functions of (app, today), safe to run twice or from two processes at once.

Each step reads the state it acts on and writes under a unique key, committing one program or one reminder
at a time: a second process that races us hits the key, rolls back and moves on, so nothing is doubled;
a run that never happened is made up by the next one, because the job looks at what is due, not at
what changed since yesterday.
"""
import logging
from datetime import date, datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.permissions import roles_with
from dashboards import overview_counts
from date_text import day
from extensions import db
from fidelity.models import Amendment
from models import Program, User
from scheduling import emails
from scheduling.acting import as_scheduler
from scheduling.due_dates import describe_status
from scheduling.models import DueVisit, Notification, Reminder, SchedulerRun
from scheduling.queries import due_rows

log = logging.getLogger("scheduling.jobs")
OPEN = ("upcoming", "overdue")


def mark_due_visits(app, today: date) -> dict:
    """Mark visits due within UPCOMING_DAYS upcoming and past-due ones overdue; close those the dates moved past."""
    counts = {"upcoming": 0, "overdue": 0, "closed": 0}
    with as_scheduler(app):
        programs = db.session.scalars(select(Program).order_by(Program.id)).all()
        for row in due_rows(programs, today):
            for attempt in (1, 2):  # a second try after losing an insert race to another process
                try:
                    _mark_program(row, today, counts)
                    db.session.commit()
                    break
                except IntegrityError:
                    db.session.rollback()
                    if attempt == 2:
                        raise
    return counts


def _mark_program(row, today, counts):
    due = row.next.due_date
    status = row.status if row.scheduled and row.status in OPEN else None
    basis_id = row.next.basis.assessment_id if row.next.basis else None
    existing = db.session.scalars(select(DueVisit).where(DueVisit.program_id == row.program.id)).all()
    for visit in existing:
        if visit.status != "closed" and (visit.due_date != due or status is None):
            visit.status, visit.marked_on = "closed", today
            visit.closed_reason = _closed_reason(row, visit, basis_id)
            counts["closed"] += 1
    if status is None:
        return
    current = next((v for v in existing if v.due_date == due), None)
    if current is None:
        db.session.add(DueVisit(program_id=row.program.id, due_date=due, status=status, basis_assessment_id=basis_id,
                                marked_on=today))
        db.session.flush()  # raises IntegrityError here if another process inserted it first
    elif current.status != status:
        current.status, current.marked_on, current.closed_reason = status, today, None
    counts[status] += 1


def _closed_reason(row, visit, basis_id):
    if not row.scheduled:
        return "The program is no longer active."
    if basis_id is not None and basis_id != visit.basis_assessment_id:
        return f"A new final visit moved the next visit to {day(row.next.due_date)}."  # the basis may be older
    if basis_id is not None and _date_amended_since(basis_id, visit.marked_on):
        return f"The final visit's date was corrected to {day(row.next.basis.visit_date)}: the next visit is " \
               f"due on {day(row.next.due_date)}."
    return f"The reassessment policy moved the next visit to {day(row.next.due_date)}."


def _date_amended_since(assessment_id, since):
    """Whether the visit's date was amended since this due visit was marked (the same visit, a new date)."""
    return db.session.scalar(select(Amendment.id).where(
        Amendment.assessment_id == assessment_id, Amendment.of_visit_date,
        Amendment.at >= datetime.combine(since, datetime.min.time())).limit(1)) is not None


def send_reminders(app, today: date) -> dict:
    """Remind each program's managers and assigned trainer once per open due visit and stage."""
    counts = {"created": 0, "already_sent": 0}
    with as_scheduler(app):
        open_visits = db.session.scalars(select(DueVisit).join(Program)
                                         .where(DueVisit.status.in_(OPEN), Program.active)
                                         .order_by(DueVisit.due_date, DueVisit.id)).all()
        rows = {r.program.id: r for r in due_rows([v.program for v in open_visits], today)}
        sent = set(db.session.execute(select(Reminder.due_visit_id, Reminder.user_id, Reminder.kind)
                                      .where(Reminder.due_visit_id.in_([v.id for v in open_visits]))).all())
        email_on = bool(app.config.get("SMTP_HOST"))
        for visit in open_visits:
            for user in recipients(visit.program, rows[visit.program_id].policy_row):
                if (visit.id, user.id, visit.status) in sent:
                    counts["already_sent"] += 1
                    continue
                try:
                    created = _create_reminder(app, visit, user, rows[visit.program_id], today, email_on)
                except Exception:  # one program's odd data or a bug must not stop every other reminder
                    db.session.rollback()
                    counts["failed"] = counts.get("failed", 0) + 1
                    log.exception("Reminder about due visit %d to user %d failed; the others go on and it is "
                                  "tried again on the next run.", visit.id, user.id)
                    continue
                counts["created" if created else "already_sent"] += 1
    return counts


def recipients(program, policy_row) -> list[User]:
    """The program's active managers and its assigned trainer (if any, and still one: ReassessmentPolicy)."""
    people = db.session.scalars(select(User).where(User.agency_id == program.agency_id, User.active,
                                                   User.role.in_(roles_with("scheduling.agency_reminders")))
                                .order_by(User.email)).all()
    if policy_row and policy_row.assigned_trainer:
        people.append(policy_row.assigned_trainer)
    return people


def _create_reminder(app, visit, user, row, today, email_on) -> bool:
    """Write one reminder and its notification in one transaction; False when another process already did."""
    subject, body, link = reminder_text(app, visit, user, row, today)
    notification = Notification(user_id=user.id, subject=subject, body=body, link=link)
    reminder = Reminder(due_visit_id=visit.id, user_id=user.id, kind=visit.status, notification=notification,
                        email_status="pending" if email_on else "none")
    db.session.add_all([notification, reminder])
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # Ids, not the program's name or the person's email: the logs are read by people outside the agency.
        log.info("Reminder about due visit %d to user %d was already sent by another run; skipped.", visit.id, user.id)
        return False
    return True


def reminder_text(app, visit, user, row, today):
    """(subject, body, link path) of a reminder."""
    program = visit.program
    when = "overdue since" if visit.status == "overdue" else "due"
    subject = f"IMR fidelity visit {when} {day(visit.due_date)}: {program.name} ({program.agency.code})"
    with app.test_request_context():
        link = (url_for("scheduling.due_list", agency=program.agency_id) if user.can("agencies.read_all")
                else url_for("org.program", program_id=program.id))
    trainer = row.trainer.email if row.trainer else "not assigned yet"
    body = (f"The next IMR fidelity visit of {program.name} ({program.agency.name}) is due on "
            f"{day(visit.due_date)}: {describe_status(visit.due_date, today)} on {day(today)}.\n"
            f"{row.next.explain()}.\nPolicy: {row.policy.describe()}.\nAssigned trainer: {trainer}.\n")
    return subject, body, link


def daily(app, today: date) -> dict:
    """The daily job: mark due visits, write reminders, send pending emails, keep the state overview's numbers of
    the day's default window; record the run."""
    return run_recorded(app, "daily_reminders", today, [("marked", mark_due_visits), ("reminders", send_reminders),
                                                         ("emails", emails.deliver_emails),
                                                         ("overview", overview_counts.keep_default_window)])


def retry_emails(app, today: date) -> dict:
    """Retry reminder emails left pending by an SMTP failure (hourly, so an outage costs hours, not a day)."""
    return run_recorded(app, "retry_emails", today, [("emails", emails.deliver_emails)])


def run_recorded(app, job, today, steps) -> dict:
    with as_scheduler(app):
        run = SchedulerRun(job=job, run_for=today)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    results, outcome = {}, "ok"
    try:
        for name, step in steps:
            results[name] = step(app, today)
    except Exception:
        outcome = "failed"
        log.exception("Job %s for %s failed after %s", job, today, results)
        raise
    finally:
        with as_scheduler(app):
            run = db.session.get(SchedulerRun, run_id)
            run.finished_at, run.outcome, run.summary = datetime.utcnow(), outcome, _summary(results)
            db.session.commit()
    log.info("Job %s for %s: %s", job, today, _summary(results))
    return results


def _summary(results) -> str:
    return "; ".join(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                     for name, counts in results.items())


JOBS = {"daily_reminders": daily, "retry_emails": retry_emails}
