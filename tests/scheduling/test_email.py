"""Reminder email through a local SMTP server the test starts; refusals and timeouts leave it pending."""
import logging
import time
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from extensions import db
from scheduling import emails, jobs
from scheduling.emails import deliver_emails
from scheduling.models import Reminder
from tests.scheduling.conftest import use_smtp
from tests.scheduling.factories import make_assessment
from tests.scheduling.smtp_server import LocalSMTP


def email_states():
    return sorted((r.user.email, r.kind, r.email_status, r.email_attempts) for r in db.session.scalars(select(Reminder)))


def test_reminder_emails_arrive_once(app, sched, smtp):
    use_smtp(app, smtp.port)
    jobs.daily(app, date(2026, 1, 20))
    assert sorted(to for _sender, to, _msg in smtp.messages) == [["manager@alpha.example"], ["manager@beta.example"]]
    sender, _to, message = next(m for m in smtp.messages if m[1] == ["manager@alpha.example"])
    assert sender == "imr-service@state.example"
    assert message["Subject"] == "IMR fidelity visit overdue since 5 Jan 2026: Alpha IMR (AAA)"
    body = message.get_payload(decode=True).decode()
    assert "overdue by 15 days" in body
    assert f"Open: https://imr.example.org/programs/{sched.program_a.id}" in body
    assert email_states() == [("manager@alpha.example", "overdue", "sent", 1), ("manager@beta.example", "overdue", "sent", 1)]
    jobs.daily(app, date(2026, 1, 21))
    jobs.retry_emails(app, date(2026, 1, 21))
    assert len(smtp.messages) == 2


def test_refusing_server_keeps_reminders_pending_then_retries(app, sched, caplog):
    server = LocalSMTP("refuse")
    try:
        use_smtp(app, server.port)
        with caplog.at_level(logging.WARNING, logger="scheduling.emails"):
            result = jobs.daily(app, date(2026, 1, 20))  # does not raise
        assert result["emails"]["failed"] == 2
        assert email_states() == [("manager@alpha.example", "overdue", "pending", 1),
                                  ("manager@beta.example", "overdue", "pending", 1)]
        reminder = db.session.scalars(select(Reminder)).first()
        assert "refused the message" in reminder.email_error and "550" in reminder.email_error
        assert "stays pending and is retried on the next run" in caplog.text
        # the log names the reminder and the user, never the address, not even where the server's reply quoted it
        for r in db.session.scalars(select(Reminder)):
            assert f"Reminder email {r.id} to user {r.user_id} not sent (attempt 1)" in caplog.text
        assert "550 5.1.1 <the recipient>: mailbox unavailable" in caplog.text
        assert "@" not in caplog.text
        server.mode = "accept"
        jobs.retry_emails(app, date(2026, 1, 20))
        assert len(server.messages) == 2
        db.session.expire_all()
        assert email_states() == [("manager@alpha.example", "overdue", "sent", 2),
                                  ("manager@beta.example", "overdue", "sent", 2)]
    finally:
        server.stop()


def test_a_message_refused_again_and_again_is_given_up_but_an_outage_is_waited_out(app, sched, caplog):
    server = LocalSMTP("refuse")
    try:
        use_smtp(app, server.port)
        jobs.daily(app, date(2026, 1, 20))
        for hour in range(emails.MAX_ATTEMPTS - 1):
            with caplog.at_level(logging.WARNING, logger="scheduling.emails"):
                jobs.retry_emails(app, date(2026, 1, 20))
        db.session.expire_all()
        assert email_states() == [("manager@alpha.example", "overdue", "cancelled", emails.MAX_ATTEMPTS),
                                  ("manager@beta.example", "overdue", "cancelled", emails.MAX_ATTEMPTS)]
        reminder = db.session.scalars(select(Reminder)).first()
        assert reminder.email_error.startswith(f"Not sent: refused {emails.MAX_ATTEMPTS} times") and "550" in \
            reminder.email_error
        assert f"Reminder email {reminder.id} to user {reminder.user_id} given up after 6 attempts" in caplog.text
        assert "@" not in caplog.text
        server.mode = "accept"
        jobs.retry_emails(app, date(2026, 1, 20))
        assert server.messages == []  # given up: not sent later either
    finally:
        server.stop()
    db.session.execute(update(Reminder).values(email_status="pending", email_attempts=emails.MAX_ATTEMPTS + 3))
    db.session.commit()
    use_smtp(app, 1)  # nothing listens there: the server is down, not refusing
    jobs.retry_emails(app, date(2026, 1, 20))
    db.session.expire_all()
    assert {s for _e, _k, s, _a in email_states()} == {"pending"}  # an outage never gives a message up


def test_silent_server_times_out_once_and_leaves_the_rest_waiting(app, sched, caplog):
    server = LocalSMTP("silent")
    try:
        use_smtp(app, server.port, timeout=0.5)
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="scheduling.emails"):
            result = jobs.daily(app, date(2026, 1, 20))
        assert time.monotonic() - started < 5  # one timeout, not one per reminder
        assert result["emails"] == {"sent": 0, "failed": 1, "cancelled": 0, "waiting": 1}
        assert server.connections == 1
        assert [s for _e, _k, s, _a in email_states()] == ["pending", "pending"]
        assert "timed out" in caplog.text and "1 more reminder emails stay pending" in caplog.text
    finally:
        server.stop()


def test_unreachable_server_is_logged_and_nothing_lost(app, sched, smtp, caplog):
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    use_smtp(app, closed_port)
    with caplog.at_level(logging.WARNING, logger="scheduling.emails"):
        jobs.daily(app, date(2026, 1, 20))
    assert "could not connect to SMTP server 127.0.0.1" in caplog.text
    assert [s for _e, _k, s, _a in email_states()] == ["pending", "pending"]
    use_smtp(app, smtp.port)  # the server comes back
    jobs.daily(app, date(2026, 1, 21))
    assert len(smtp.messages) == 2


def test_email_for_a_stage_that_passed_is_cancelled_not_sent(app, sched, smtp):
    make_assessment(sched.program_a, date(2025, 9, 15), 3.5, "moderate")  # due 2026-03-15
    make_assessment(sched.program_b, date(2025, 12, 1), 4.5, "high")
    use_smtp(app, 1)  # port 1: nothing there, so the upcoming email stays pending
    jobs.daily(app, date(2026, 3, 1))
    use_smtp(app, smtp.port)
    jobs.daily(app, date(2026, 3, 16))  # overdue now: the upcoming email is stale
    assert email_states() == [("manager@alpha.example", "overdue", "sent", 1),
                              ("manager@alpha.example", "upcoming", "cancelled", 2)]
    assert [m["Subject"] for _s, _t, m in smtp.messages] == ["IMR fidelity visit overdue since 15 Mar 2026: "
                                                             "Alpha IMR (AAA)"]


def test_a_claim_left_by_a_dead_process_is_taken_over_but_a_live_one_is_not(app, sched, smtp):
    jobs.daily(app, date(2026, 1, 20))  # no SMTP yet: in-app only
    stale, live = db.session.scalars(select(Reminder).order_by(Reminder.id)).all()
    now = datetime.utcnow()
    stale.email_status, stale.email_claimed_at = "sending", now - timedelta(hours=1)
    live.email_status, live.email_claimed_at = "sending", now - timedelta(minutes=1)
    db.session.commit()
    use_smtp(app, smtp.port)
    deliver_emails(app, date(2026, 1, 20))
    db.session.expire_all()
    assert [r.email_status for r in (stale, live)] == ["sent", "sending"]
    assert len(smtp.messages) == 1


def test_an_email_whose_notification_was_withdrawn_mid_send_is_cancelled_not_retried(app, sched, smtp):
    """withdraw_notifications cancels pending emails, but one a sender had already claimed kept going: its
    notification gone, the send raised, and the reminder went back to pending to fail at every retry."""
    from scheduling.models import Notification
    use_smtp(app, 1)  # port 1: nothing there, so both emails stay pending
    jobs.daily(app, date(2026, 1, 20))
    reminder = db.session.scalars(select(Reminder).join(Reminder.user)
                                  .where(Reminder.user.has(email="manager@alpha.example"))).one()
    db.session.delete(db.session.get(Notification, reminder.notification_id))  # as a withdrawal racing the claim
    db.session.commit()
    use_smtp(app, smtp.port)
    jobs.retry_emails(app, date(2026, 1, 20))
    assert email_states() == [("manager@alpha.example", "overdue", "cancelled", 2),
                              ("manager@beta.example", "overdue", "sent", 1)]
    assert [to for _s, to, _m in smtp.messages] == [["manager@beta.example"]]
