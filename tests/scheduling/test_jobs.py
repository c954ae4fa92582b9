"""The daily job called with fixed dates: what it marks, whom it reminds, and that it never reminds twice."""
import logging
from datetime import date

from sqlalchemy import func, select

from extensions import db
from fidelity.models import Amendment
from scheduling import jobs
from scheduling.models import DueVisit, Notification, Reminder, SchedulerRun
from tests.factories import make_user
from tests.scheduling.factories import make_assessment, set_policy, user


def due_visits():
    return {(v.program.name, v.due_date, v.status) for v in db.session.scalars(select(DueVisit))}


def reminders():
    """{(program name, due date, kind, email)} of every reminder written."""
    rows = db.session.scalars(select(Reminder)).all()
    return sorted((r.due_visit.program.name, r.due_visit.due_date.isoformat(), r.kind, r.user.email) for r in rows)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_baseline_overdue_reminds_managers_and_trainer_once(app, sched):
    trainer = user(sched.users["trainer"])
    set_policy(sched.program_a, trainer=trainer)
    jobs.daily(app, date(2026, 1, 20))
    assert due_visits() == {("Alpha IMR", date(2026, 1, 5), "overdue"), ("Beta IMR", date(2026, 1, 5), "overdue")}
    assert reminders() == [("Alpha IMR", "2026-01-05", "overdue", "manager@alpha.example"),
                           ("Alpha IMR", "2026-01-05", "overdue", "trainer@state.example"),
                           ("Beta IMR", "2026-01-05", "overdue", "manager@beta.example")]
    note = db.session.scalar(select(Notification).join(Reminder, Reminder.notification_id == Notification.id)
                             .where(Notification.user_id == trainer.id))
    assert note.subject == "IMR fidelity visit overdue since 5 Jan 2026: Alpha IMR (AAA)"
    assert "overdue by 15 days on 20 Jan 2026" in note.body and "Baseline visit" in note.body
    assert note.link == f"/visits-due?agency={sched.agency_a.id}"
    for day in (date(2026, 1, 20), date(2026, 1, 21), date(2026, 2, 20)):  # again, and on later days
        jobs.daily(app, day)
    assert len(reminders()) == 3 and count(Notification) == 3
    assert count(SchedulerRun) == 4


def test_upcoming_then_overdue_each_reminded_once(app, sched):
    make_assessment(sched.program_a, date(2025, 9, 15), 3.5, "moderate")  # due 2026-03-15
    make_assessment(sched.program_b, date(2025, 12, 1), 4.3, "high")  # due 2026-12-01
    jobs.daily(app, date(2026, 2, 12))  # 31 days before: nothing yet
    assert due_visits() == set() and reminders() == []
    jobs.daily(app, date(2026, 2, 13))  # 30 days before: upcoming
    assert due_visits() == {("Alpha IMR", date(2026, 3, 15), "upcoming")}
    assert reminders() == [("Alpha IMR", "2026-03-15", "upcoming", "manager@alpha.example")]
    jobs.daily(app, date(2026, 3, 15))  # due today: still upcoming, no second reminder
    assert len(reminders()) == 1
    jobs.daily(app, date(2026, 3, 16))
    jobs.daily(app, date(2026, 3, 17))
    assert due_visits() == {("Alpha IMR", date(2026, 3, 15), "overdue")}
    assert reminders() == [("Alpha IMR", "2026-03-15", "overdue", "manager@alpha.example"),
                           ("Alpha IMR", "2026-03-15", "upcoming", "manager@alpha.example")]


def test_finalising_a_visit_moves_the_date_on_and_closes_the_due_visit(app, sched):
    make_assessment(sched.program_a, date(2025, 9, 15), 3.5, "moderate")
    jobs.daily(app, date(2026, 3, 20))
    assert ("Alpha IMR", date(2026, 3, 15), "overdue") in due_visits()
    draft = make_assessment(sched.program_a, date(2026, 3, 25), status="draft")
    jobs.daily(app, date(2026, 3, 26))  # a visit in progress does not move the date
    assert ("Alpha IMR", date(2026, 3, 15), "overdue") in due_visits()
    draft.status, draft.summary_score, draft.band = "final", 4.0, "high"
    db.session.commit()
    counts = jobs.mark_due_visits(app, date(2026, 3, 27))
    assert counts["closed"] == 1
    closed = db.session.scalar(select(DueVisit).where(DueVisit.due_date == date(2026, 3, 15)))
    assert closed.status == "closed"
    assert closed.closed_reason == "A new final visit moved the next visit to 25 Mar 2027."
    jobs.daily(app, date(2027, 2, 23))  # 30 days before the new date
    assert ("Alpha IMR", date(2027, 3, 25), "upcoming") in due_visits()
    assert ("Alpha IMR", "2027-03-25", "upcoming", "manager@alpha.example") in reminders()


def test_a_teams_new_visit_closes_its_due_visit_without_naming_the_older_visit_now_counted(app, sched):
    # The group was due first (moderate on 15 Sep 2025); its high visit on 25 Mar 2026 leaves the whole program's
    # high visit of 15 Jun 2025 to set the date: that older visit did not move anything, the new one did.
    make_assessment(sched.program_a, date(2025, 6, 15), 4.5, "high")
    make_assessment(sched.program_a, date(2025, 9, 15), 3.5, "moderate", team=sched.team_a)
    jobs.daily(app, date(2026, 3, 20))
    assert ("Alpha IMR", date(2026, 3, 15), "overdue") in due_visits()
    make_assessment(sched.program_a, date(2026, 3, 25), 4.5, "high", team=sched.team_a)
    jobs.mark_due_visits(app, date(2026, 3, 27))
    closed = db.session.scalar(select(DueVisit).where(DueVisit.due_date == date(2026, 3, 15)))
    assert closed.closed_reason == "A new final visit moved the next visit to 15 Jun 2026."


def test_policy_change_moves_the_date_and_says_why(app, sched):
    make_assessment(sched.program_a, date(2025, 9, 15), 3.5, "moderate")
    jobs.daily(app, date(2026, 3, 1))
    set_policy(sched.program_a, interval_months=9)  # now due 2026-06-15
    jobs.daily(app, date(2026, 3, 2))
    closed = db.session.scalar(select(DueVisit).where(DueVisit.due_date == date(2026, 3, 15)))
    assert closed.status == "closed"
    assert closed.closed_reason == "The reassessment policy moved the next visit to 15 Jun 2026."


def test_an_amended_visit_date_moves_the_date_and_says_so(app, sched):
    visit = make_assessment(sched.program_a, date(2025, 9, 15), 3.5, "moderate")
    jobs.daily(app, date(2026, 3, 20))
    visit.visit_date = date(2025, 10, 15)  # amended: 15 Sep was typed for 15 Oct
    db.session.add(Amendment(assessment_id=visit.id, item_number=None, old_value="2025-09-15",
                             new_value="2025-10-15", reason="typo", actor="trainer@state.example"))
    db.session.commit()
    jobs.daily(app, date(2026, 3, 21))
    closed = db.session.scalar(select(DueVisit).where(DueVisit.due_date == date(2026, 3, 15)))
    assert closed.status == "closed"
    assert closed.closed_reason == "The final visit's date was corrected to 15 Oct 2025: the next visit is due on " \
                                   "15 Apr 2026."


def test_recipients_are_active_managers_of_the_agency_and_the_assigned_trainer(app, sched):
    other_trainer = make_user("other.trainer@state.example", "trainer")
    make_user("retired@alpha.example", "manager", sched.agency_a, active=False)
    make_user("second@alpha.example", "manager", sched.agency_a)
    set_policy(sched.program_a, trainer=other_trainer)
    sched.program_b.active = False
    db.session.commit()
    jobs.daily(app, date(2026, 1, 6))
    emails = [r[3] for r in reminders()]
    # no clerk, no inactive manager, nobody from Beta (inactive program), only the assigned trainer
    assert emails == ["manager@alpha.example", "other.trainer@state.example", "second@alpha.example"]


def test_inactive_program_closes_its_open_due_visit(app, sched):
    jobs.daily(app, date(2026, 1, 6))
    sched.program_b.active = False
    db.session.commit()
    jobs.daily(app, date(2026, 1, 7))
    beta = db.session.scalar(select(DueVisit).where(DueVisit.program_id == sched.program_b.id))
    assert (beta.status, beta.closed_reason) == ("closed", "The program is no longer active.")


def test_without_smtp_reminders_are_in_app_only(app, sched):
    jobs.daily(app, date(2026, 1, 6))
    assert {r.email_status for r in db.session.scalars(select(Reminder))} == {"none"}


def test_a_process_racing_between_read_and_insert_does_not_double_reminders(app, sched, monkeypatch, caplog):
    """Another scheduler writes the same reminders after this one has read which exist: the unique key wins."""
    from tests.conftest import make_app
    caplog.set_level(logging.INFO)
    jobs.mark_due_visits(app, date(2026, 1, 6))
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    real_recipients = jobs.recipients
    raced = []

    def racing_recipients(program, policy_row):
        if not raced:
            raced.append("running")
            monkeypatch.setattr(jobs, "recipients", real_recipients)  # the other process is not racing anyone
            raced[0] = jobs.send_reminders(other, date(2026, 1, 6))
            monkeypatch.setattr(jobs, "recipients", racing_recipients)
        return real_recipients(program, policy_row)

    monkeypatch.setattr(jobs, "recipients", racing_recipients)
    counts = jobs.send_reminders(app, date(2026, 1, 6))
    assert raced == [{"created": 2, "already_sent": 0}]
    assert counts == {"created": 0, "already_sent": 2}
    assert len(reminders()) == 2 and count(Notification) == 2
    skipped = [r.getMessage() for r in caplog.records if "already sent by another run" in r.getMessage()]
    assert len(skipped) == 2 and not any(word in line for line in skipped  # people outside the agency read logs
                                         for word in ("Alpha IMR", "AAA", "manager@alpha.example"))
    with other.app_context():
        db.engine.dispose()


def test_a_job_restores_the_audit_actor_of_the_thread_that_called_it(app, sched):
    from models.audit import current_actor
    before = current_actor()
    make_assessment(sched.program_a, date(2025, 9, 15), 3.5, "moderate")
    jobs.daily(app, date(2026, 3, 1))
    assert current_actor() == before  # the next request or test is not mistaken for the scheduler
