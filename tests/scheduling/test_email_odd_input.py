"""Odd characters and line breaks in a program's name still make a reminder email (one header line, encoded),
and one reminder that fails never stops the others: it is logged and the run goes on."""
import logging
from datetime import date
from email.header import decode_header, make_header

from sqlalchemy import select

from extensions import db
from scheduling import emails, jobs
from scheduling.models import Notification, Reminder
from tests.scheduling.conftest import use_smtp

ODD_NAME = "Alpha\r\nBcc: intruder@evil.example\n IMR – Ünïcode ✓\u2028\x07 group"  # PostgreSQL stores no NUL


def _subject(message):
    return str(make_header(decode_header(message["Subject"])))


def test_a_name_with_line_breaks_and_unicode_is_sent_on_one_encoded_line(app, sched, smtp):
    sched.program_a.name = ODD_NAME
    db.session.commit()
    use_smtp(app, smtp.port)
    result = jobs.daily(app, date(2026, 1, 20))
    assert result["emails"]["sent"] == 2
    message = next(m for _s, to, m in smtp.messages if to == ["manager@alpha.example"])
    assert _subject(message) == ("IMR fidelity visit overdue since 5 Jan 2026: Alpha Bcc: intruder@evil.example "
                                 "IMR – Ünïcode ✓ group (AAA)")
    assert message["Bcc"] is None and all(to != ["intruder@evil.example"] for _s, to, _m in smtp.messages)
    assert "Alpha" in message.get_payload(decode=True).decode()
    # The in-app notification keeps the name as the program has it.
    assert db.session.scalar(select(Notification).where(Notification.subject.contains("Ünïcode"))) is not None


def test_one_failing_email_does_not_stop_the_others(app, sched, smtp, monkeypatch, caplog):
    use_smtp(app, smtp.port)
    real_body = emails._email_body

    def body(reminder):
        if reminder.user.email == "manager@alpha.example":
            raise RuntimeError("a bug met one reminder")
        return real_body(reminder)

    monkeypatch.setattr(emails, "_email_body", body)
    with caplog.at_level(logging.ERROR, logger="scheduling.emails"):
        result = jobs.daily(app, date(2026, 1, 20))  # does not raise
    assert result["emails"]["sent"] == 1 and result["emails"]["failed"] == 1
    assert [to for _s, to, _m in smtp.messages] == [["manager@beta.example"]]
    db.session.expire_all()
    states = {r.user.email: (r.email_status, r.email_error) for r in db.session.scalars(select(Reminder))}
    assert states["manager@beta.example"][0] == "sent"
    assert states["manager@alpha.example"] == ("pending", "failed: RuntimeError: a bug met one reminder")
    assert "failed unexpectedly; the others go on" in caplog.text

    monkeypatch.setattr(emails, "_email_body", real_body)
    jobs.retry_emails(app, date(2026, 1, 20))  # the next run sends it
    assert sorted(to[0] for _s, to, _m in smtp.messages) == ["manager@alpha.example", "manager@beta.example"]


def test_one_failing_reminder_does_not_stop_the_others(app, sched, monkeypatch, caplog):
    real_text = jobs.reminder_text

    def text(app_, visit, user, row, today):
        if visit.program.name == "Alpha IMR":
            raise ValueError("odd data in one program")
        return real_text(app_, visit, user, row, today)

    monkeypatch.setattr(jobs, "reminder_text", text)
    with caplog.at_level(logging.ERROR, logger="scheduling.jobs"):
        result = jobs.daily(app, date(2026, 1, 20))
    assert result["reminders"]["created"] == 1 and result["reminders"]["failed"] == 1
    assert [r.user.email for r in db.session.scalars(select(Reminder))] == ["manager@beta.example"]
    assert "the others go on" in caplog.text
    monkeypatch.setattr(jobs, "reminder_text", real_text)
    assert jobs.daily(app, date(2026, 1, 21))["reminders"]["created"] == 1  # made up on the next run
