"""Workflow notices: who is told what about a visit, each once, in the app and by email when configured.

A write operation calls queue() before its commit (the notice rows go in its transaction, so a refused or
failed change tells nobody) and deliver() after it. The unique key (visit, person, what) means a repeated
action never tells anyone twice. Email goes through the scheduler's mailer when SMTP_HOST is set; a failed
email is recorded and logged, never undoes the change.
"""
import logging
from datetime import date

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from auth.permissions import roles_with
from date_text import day
from extensions import db
from fidelity.models import Notice
from models import User
from scheduling.mailer import DeliveryError, Mailer
from scheduling.models import Notification

log = logging.getLogger(__name__)

MESSAGES = {  # key -> (subject, body); filled with the visit's unit, date and scale
    "rater_added": ("You rate a fidelity visit: {unit}, {date}",
                    "You were added as a rater of the {scale} visit to {unit} on {date}. Rate each item alone; "
                    "the other raters see your ratings only once everyone has submitted."),
    "all_submitted": ("Ready for consensus: {unit}, {date}",
                      "Every rater has submitted the {scale} ratings of {unit} ({date}): the consensus can begin."),
    "final": ("Fidelity report final: {unit}, {date}",
              "The {scale} report of the visit to {unit} on {date} is final: {score} {band}."),
    "amended": ("Fidelity report amended: {unit}, {date}",
                "A rating of the final {scale} report of {unit} ({date}) was amended: item {item}, {old} to {new}. "
                "Why: {reason}"),
    "redated": ("Fidelity report amended: {unit}, {date}",
                "The date of the final {scale} report of {unit} was amended from {old} to {new}; the next visit due "
                "counts from the new date. Why: {reason}"),
}


def managers_of(assessment):
    """Active accounts of the visited program's agency that may read its final report (its managers)."""
    return db.session.scalars(select(User).where(User.role.in_(roles_with("fidelity.read_scores")),
                                                 User.active.is_(True),
                                                 User.agency_id == assessment.program.agency_id)).all()


def raters_of(assessment):
    """Active raters whose role still rates visits: one since lowered to an agency role is told nothing more."""
    return [r.user for r in assessment.raters if r.user.active and r.user.can("fidelity.rate")]


def queue(assessment, what, users, amendment=None, skip=None):
    """Add a notice for each user not told this yet (the caller commits); skip: the person acting."""
    key = f"amended:{amendment.id}" if amendment is not None else what
    told = set(db.session.scalars(select(Notice.user_id).where(Notice.assessment_id == assessment.id,
                                                               Notice.key == key)))
    subject, body = _message(assessment, what, amendment)
    email = "pending" if current_app.config.get("SMTP_HOST") else "none"
    for user in dict.fromkeys(users):
        if user.id in told or (skip is not None and user.id == skip.id):
            continue
        told.add(user.id)
        note = Notification(user_id=user.id, subject=subject, body=body)
        db.session.add(note)
        db.session.flush()
        note.link = (url_for("fidelity_notices.open_notice", notification_id=note.id) if has_request_context()
                     else f"/notices/{note.id}/open")  # opening marks it read
        db.session.add(Notice(assessment_id=assessment.id, user_id=user.id, key=key, notification_id=note.id,
                              email_status=email))


def deliver(assessment):
    """Email the visit's pending notices (after the change committed); failures are recorded, not raised."""
    pending = db.session.scalars(select(Notice).where(Notice.assessment_id == assessment.id,
                                                      Notice.email_status == "pending")).all()
    if not pending:
        return
    mailer = Mailer.from_config(current_app.config)
    try:
        for notice in pending:
            note = db.session.get(Notification, notice.notification_id)
            try:
                mailer.send(notice.user.email, note.subject, note.body)
                notice.email_status = "sent"
            except DeliveryError as e:
                notice.email_status = "failed"
                log.warning("Fidelity notice %s not emailed: %s", notice.id, e)
                if e.connection:
                    for rest in pending:
                        if rest.email_status == "pending":
                            rest.email_status = "failed"
                    break
    finally:
        mailer.close()
        db.session.commit()


def _message(assessment, what, amendment):
    from fidelity.reports.filters import fidelity_band, fidelity_score
    values = {"unit": assessment.unit_name, "date": day(assessment.visit_date),
              "scale": _title(assessment), "score": fidelity_score(assessment), "band": fidelity_band(assessment)}
    if amendment is not None:
        old, new = amendment.old_value, amendment.new_value
        if amendment.of_visit_date:  # dates as every page and message writes them
            old, new = day(date.fromisoformat(old)), day(date.fromisoformat(new))
        values.update(item=amendment.item_number, old=old, new=new, reason=amendment.reason)
    subject, body = MESSAGES[what]
    return subject.format(**values), body.format(**values)


def _title(assessment):
    from fidelity.scales.catalog import scale_keys
    return scale_keys().get(assessment.scale_key, assessment.scale_key)
