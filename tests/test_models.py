"""Constraints that keep data sane live in the database itself, on SQLite and PostgreSQL alike."""
from datetime import date

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Attendance, Participant, Session
from tests.factories import make_attendance, make_participant, make_session


def _refused(action):
    with pytest.raises(IntegrityError):
        action()
        db.session.flush()
    db.session.rollback()


def test_client_code_unique_per_agency_not_across(world):
    _refused(lambda: make_participant(world.team_a, "A000"))
    assert make_participant(world.team_b, "A000").id  # the same code in another agency is someone else
    db.session.commit()


def test_one_attendance_row_per_participant_and_session(world):
    person = make_participant(world.team_a, "A100")
    session = make_session(world.team_a, date(2026, 3, 2))
    make_attendance(session, person)
    db.session.commit()
    _refused(lambda: make_attendance(session, person, "absent"))


@pytest.mark.parametrize("referral, start, end", [
    (date(2026, 2, 1), date(2026, 1, 1), None),  # referred after starting
    (None, date(2026, 2, 1), date(2026, 1, 1)),  # ended before starting
])
def test_dates_in_order(world, referral, start, end):
    _refused(lambda: make_participant(world.team_a, "A200", start=start, end=end, referral=referral))


@pytest.mark.parametrize("module", [0, 12])
def test_module_between_1_and_11(world, module):
    _refused(lambda: make_session(world.team_a, date(2026, 3, 9), module=module))


def test_attendance_status_is_one_of_three(world):
    person = make_participant(world.team_a, "A300")
    session = make_session(world.team_a, date(2026, 3, 16))
    _refused(lambda: make_attendance(session, person, "late"))


def test_group_session_natural_key(world):
    make_session(world.team_a, date(2026, 4, 6), module=2)
    db.session.commit()
    _refused(lambda: make_session(world.team_a, date(2026, 4, 6), module=2))


def test_individual_sessions_are_keyed_by_participant(world):
    person = make_participant(world.team_a, "A400")
    make_session(world.team_a, date(2026, 4, 6), module=2, participant=person)
    make_session(world.team_a, date(2026, 4, 6), module=2)  # the group's own session is a different one
    db.session.commit()
    _refused(lambda: make_session(world.team_a, date(2026, 4, 6), module=2, participant=person))


def test_attendance_must_name_a_participant_and_session_that_exist(world):
    session = make_session(world.team_a, date(2026, 4, 13))
    person = make_participant(world.team_a, "A500")
    db.session.commit()
    _refused(lambda: db.session.execute(insert(Attendance).values(session_id=session.id, participant_id=999_999,
                                                                  status="attended")))
    _refused(lambda: db.session.execute(insert(Attendance).values(session_id=999_999, participant_id=person.id,
                                                                  status="attended")))


def test_a_participant_with_attendance_cannot_be_deleted(world):
    person = make_participant(world.team_a, "A600")
    make_attendance(make_session(world.team_a, date(2026, 4, 20)), person)
    db.session.commit()
    _refused(lambda: db.session.execute(delete(Participant).where(Participant.id == person.id)))
    assert db.session.get(Participant, person.id) is not None


def test_deleting_a_session_deletes_its_attendance(world):
    person = make_participant(world.team_a, "A700")
    session = make_session(world.team_a, date(2026, 4, 27))
    make_attendance(session, person)
    db.session.commit()
    db.session.execute(delete(Session).where(Session.id == session.id))
    db.session.commit()
    left = db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.participant_id == person.id))
    assert left == 0
