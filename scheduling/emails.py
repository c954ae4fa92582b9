"""Send the reminder emails that are pending, each exactly once, and keep failures pending for the next run.

Two scheduler processes may run this at the same moment: a reminder is claimed with a conditional UPDATE
(pending -> sending) before its email goes, and only the process whose UPDATE changed the row sends it.
A claim left behind by a process that died mid-send is taken over after CLAIM_TIMEOUT.
"""
import logging
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from extensions import db
from scheduling.acting import as_scheduler
from scheduling.mailer import DeliveryError, Mailer
from scheduling.models import Reminder

log = logging.getLogger("scheduling.emails")
CLAIM_TIMEOUT = timedelta(minutes=15)
# A message the server refuses (a mailbox that does not exist) is given up after this many attempts; an
# unreachable server is not the message's fault, so those wait for the server however long it takes.
MAX_ATTEMPTS = 6


def _claimable(now):
    return or_(Reminder.email_status == "pending",
               and_(Reminder.email_status == "sending", Reminder.email_claimed_at < now - CLAIM_TIMEOUT))


def deliver_emails(app, today: date) -> dict:
    """Send pending reminder emails; an unreachable or refusing server leaves them pending, with a log line."""
    counts = {"sent": 0, "failed": 0, "cancelled": 0, "waiting": 0}
    with as_scheduler(app):
        ids = db.session.scalars(select(Reminder.id).where(_claimable(datetime.utcnow())).order_by(Reminder.id)).all()
        if not ids:
            return counts
        if not app.config.get("SMTP_HOST"):
            counts["waiting"] = len(ids)
            log.warning("%d reminder emails are pending but SMTP_HOST is not set; they wait until it is.", len(ids))
            return counts
        mailer = Mailer.from_config(app.config)
        try:
            for position, reminder_id in enumerate(ids):
                reminder = _claim(reminder_id)
                if reminder is None:
                    continue  # another process has it, or already sent it
                try:
                    reached = _send(mailer, reminder, counts)
                except Exception as error:  # one reminder's odd data or a bug must not stop the others
                    db.session.rollback()
                    counts["failed"] += 1
                    log.exception("Reminder email %d failed unexpectedly; the others go on.", reminder_id)
                    _give_back(reminder_id, error)
                    continue
                if not reached:
                    counts["waiting"] = len(ids) - position - 1
                    log.warning("SMTP server %s is unreachable: %d more reminder emails stay pending and are "
                                "retried on the next run.", mailer.server, counts["waiting"])
                    break
        finally:
            mailer.close()
    return counts


def _claim(reminder_id):
    now = datetime.utcnow()
    result = db.session.execute(
        update(Reminder).where(Reminder.id == reminder_id, _claimable(now))
        .values(email_status="sending", email_claimed_at=now, email_attempts=Reminder.email_attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(Reminder, reminder_id, populate_existing=True)


def _give_back(reminder_id, error):
    """Leave a reminder that failed unexpectedly pending for the next run, or give it up after MAX_ATTEMPTS."""
    reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
    given_up = reminder.email_attempts >= MAX_ATTEMPTS
    reminder.email_status = "cancelled" if given_up else "pending"
    reminder.email_error = f"{'Not sent: ' if given_up else ''}failed: {type(error).__name__}: {error}"[:500]
    db.session.commit()


def _send(mailer, reminder, counts) -> bool:
    """Send one claimed reminder; False when the server could not be reached (stop trying others this run)."""
    visit, note = reminder.due_visit, reminder.notification
    # The visit was done, moved or became overdue, or the notification was withdrawn (the person's role or agency
    # changed: scheduling.operations.withdraw_notifications) after this run claimed the email.
    stale = (f"the visit is now {visit.status}" if visit.status != reminder.kind
             else "withdrawn when the person's access changed" if note is None else None)
    if stale:
        reminder.email_status, reminder.email_error = "cancelled", f"Not sent: {stale}."
        db.session.commit()
        counts["cancelled"] += 1
        return True
    try:
        mailer.send(reminder.user.email, note.subject, _email_body(reminder))
    except DeliveryError as e:
        if not e.connection and reminder.email_attempts >= MAX_ATTEMPTS:
            reminder.email_status = "cancelled"
            reminder.email_error = f"Not sent: refused {reminder.email_attempts} times, last: {e}"[:500]
            db.session.commit()
            counts["failed"] += 1
            log.error("Reminder email %d to user %d given up after %d attempts: %s. The in-app notification stays.",
                      reminder.id, reminder.user_id, reminder.email_attempts, e)
            return True
        reminder.email_status, reminder.email_error = "pending", str(e)[:500]
        db.session.commit()
        counts["failed"] += 1
        log.warning("Reminder email %d to user %d not sent (attempt %d): %s. It stays pending and is retried on "
                    "the next run.", reminder.id, reminder.user_id, reminder.email_attempts, e)
        return not e.connection
    reminder.email_status, reminder.email_sent_at, reminder.email_error = "sent", datetime.utcnow(), None
    db.session.commit()
    counts["sent"] += 1
    return True


def _email_body(reminder) -> str:
    note = reminder.notification
    base = (current_app.config.get("SERVICE_URL") or "").rstrip("/")
    where = f"{base}{note.link}" if base else f"the IMR service, page {note.link}"
    after = ("You will hear again only if the visit becomes overdue." if reminder.kind == "upcoming"
             else "This is the only overdue reminder for this visit.")
    return f"{note.body}\nOpen: {where}\n\n{after}\n"
