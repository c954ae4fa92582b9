"""The command-line tools: init-db, create-user, demo-data."""
from collections import defaultdict

from sqlalchemy import func, select

from extensions import db
from models import Agency, Attendance, Participant, Program, Session, Team, User


def test_init_db_is_safe_to_run_again(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "up to date" in result.output


def test_create_user_reads_password_from_stdin(runner, world):
    result = runner.invoke(args=["create-user", "New.Clerk@alpha.example", "--role", "clerk", "--agency", "AAA"],
                           input="a-long-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.clerk@alpha.example"))
    assert user.role == "clerk" and user.agency.code == "AAA" and user.check_password("a-long-password")


def test_create_user_refuses_bad_input_and_creates_nothing(runner, world):
    cases = [
        (["create-user", "x@y.example", "--role", "manager"], "belongs to one agency"),
        (["create-user", "x@y.example", "--role", "trainer", "--agency", "AAA"], "belongs to no agency"),
        (["create-user", "x@y.example", "--role", "clerk", "--agency", "NOPE"], "no agency has the code"),
        (["create-user", "not-an-email", "--role", "admin"], "is not an email"),
        (["create-user", world.users["admin"], "--role", "admin"], "exists already"),
        (["create-user", "x@y.example", "--role", "admin"], "at least 12 characters"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args, input="short\n" if "at least" in message else "a-long-password\n")
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert db.session.scalar(select(func.count()).select_from(User)) == 6


def test_demo_data_builds_a_realistic_state(runner):
    result = runner.invoke(args=["demo-data", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example" in result.output and "password" in result.output
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Agency) >= 3 and count(Program) >= 8 and count(Team) >= 20 and count(Participant) >= 400
    formats = set(db.session.scalars(select(Team.format)))
    assert formats == {"group", "individual"}
    assert {u.role for u in db.session.scalars(select(User))} == {"admin", "trainer", "manager", "clerk"}
    span = db.session.execute(select(func.min(Session.session_date), func.max(Session.session_date))).one()
    assert (span[1] - span[0]).days >= 350  # a year of weekly sessions
    assert set(db.session.scalars(select(Session.module).distinct())) == set(range(1, 12))
    dropouts = db.session.scalar(select(func.count()).select_from(Participant).where(Participant.end_date.is_not(None)))
    assert dropouts > 40

    # Attendance varies between teams the way real programs do: some far above the line, some far below.
    attended = defaultdict(int)
    rows = db.session.execute(select(Participant.team_id, Attendance.participant_id, Attendance.status)
                              .join(Participant, Participant.id == Attendance.participant_id))
    offered = defaultdict(int)
    for team_id, _, status in rows:
        offered[team_id] += 1
        attended[team_id] += status == "attended"
    rates = [attended[t] / offered[t] for t in offered]
    assert max(rates) > 0.75 and min(rates) < 0.35

    # A few teams have long waits before the first session.
    waits = db.session.execute(select(Participant.team_id, func.avg(
        func.julianday(Participant.start_date) - func.julianday(Participant.referral_date))
        if db.engine.dialect.name == "sqlite" else
        func.avg(Participant.start_date - Participant.referral_date)).group_by(Participant.team_id)).all()
    assert max(float(w) for _, w in waits) > 60


def test_demo_data_refuses_a_database_with_data(runner, world):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0 and "empty database" in result.output
    assert runner.invoke(args=["demo-data", "--if-empty"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 2


def test_cli_actor_does_not_outlive_the_command(runner, world, client, auth):
    from models import AuditLog
    runner.invoke(args=["create-user", "late@alpha.example", "--role", "clerk", "--agency", "AAA"],
                  input="a-long-password\n")
    auth.login(world.users["admin"])
    auth.post(f"/admin/agencies/{world.agency_a.id}/edit", data={"code": "AAA", "name": "Agency Alpha 2",
                                                                "kind": "CMHC", "date_order": ""})
    rows = db.session.scalars(select(AuditLog).where(AuditLog.field.in_(("email", "name")))
                              .order_by(AuditLog.id)).all()
    assert [(r.actor, r.new_value) for r in rows][-2:] == [("cli", "late@alpha.example"),
                                                           (world.users["admin"], "Agency Alpha 2")]
