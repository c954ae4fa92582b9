"""Fidelity test data: visits in any state, built through the real operations where it matters."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.visits.imported import record_historical_assessment
from fidelity.models import Assessment, AssessmentRater, ConsensusRating, Rating
from models import User

# Direct parametrisation overrides tests/fidelity/conftest.py's SQLite-only `backend`.
BOTH_DATABASES = pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
VERSIONS = {"imr_fidelity": "3-24-05", "it_is": "2012"}
# Roosenschoon et al. 2016, group A: mean 4.15, shown 4.2, high fidelity.
GROUP_A = [4, 5, 5, 5, 3, 5, 5, 5, 5, 5, 3, 2, 2]


def user(email):
    return db.session.scalar(select(User).where(User.email == email))


def rating_form(values, action):
    """The rating page's fields for these item values (with an evidence note each) and the button pressed."""
    data = {f"choice_{n}": str(v) for n, v in enumerate(values, start=1)}
    data.update({f"note_{n}": f"evidence {n}" for n in range(1, len(values) + 1)})
    return {**data, "action": action}


def saved_ratings():
    """{item: (value, note)} of every rater's ratings in the database now, leaving out empty ones."""
    db.session.expire_all()
    return {r.item_number: (r.value, r.note) for r in db.session.scalars(select(Rating)) if r.value or r.note}


def make_visit(program, raters, team=None, scale_key="imr_fidelity", version=None, format="group",
               visit_date=date(2026, 3, 2)):
    """A draft visit with raters (User objects)."""
    version = version or VERSIONS[scale_key]
    a = Assessment(program_id=program.id, team_id=team.id if team else None, scale_key=scale_key,
                   scale_version=version, format=format, visit_date=visit_date, status="draft")
    db.session.add(a)
    db.session.flush()
    for u in raters:
        db.session.add(AssessmentRater(assessment_id=a.id, user_id=u.id))
    db.session.commit()
    return a


def rate(assessment, rater_user, values, submitted=True):
    """Give a rater's ratings {item: value or None for NA} directly."""
    rater = next(r for r in assessment.raters if r.user_id == rater_user.id)
    for number, value in values.items():
        db.session.add(Rating(rater_id=rater.id, item_number=number, value=value, not_applicable=value is None))
    if submitted:
        rater.submitted_at = datetime.utcnow()
    db.session.commit()


def make_submitted(program, ratings_by_user, scale_key="imr_fidelity"):
    """A visit every rater ({User: {item: value or None for NA}}) has submitted: consensus is open."""
    visit = make_visit(program, list(ratings_by_user), scale_key=scale_key)
    for rater_user, values in ratings_by_user.items():
        rate(visit, rater_user, values)
    visit.status = "submitted"
    db.session.commit()
    return visit


def make_final(program, values, team=None, scale_key="imr_fidelity", format="group",
               visit_date=date(2026, 3, 2), raters=()):
    """A final visit with these consensus ratings (a list from item 1, or a dict), scored by the real rules."""
    ratings = dict(enumerate(values, start=1)) if isinstance(values, list) else values
    a = record_historical_assessment(db.session, program=program, team=team, scale_key=scale_key,
                                     scale_version=VERSIONS[scale_key], format=format, visit_date=visit_date,
                                     ratings=ratings)
    for u in raters:
        db.session.add(AssessmentRater(assessment_id=a.id, user_id=u.id, submitted_at=datetime.utcnow()))
    db.session.commit()
    return a


def visits_in_both_formats(world):
    """A team's IT-IS visits alternating individual (items 1-11: 3, then 4) and group (items 1-13: 2, then 3),
    and its IMR Fidelity visits in either format ([3] * 13, then GROUP_A): two lines on IT-IS, one on IMR."""
    unattempted = {14: None, 15: None, 16: None}  # IT-IS items rated only when the skill was attempted
    for day, format, score in [(date(2025, 9, 1), "individual", 3), (date(2025, 12, 1), "group", 2),
                               (date(2026, 3, 2), "individual", 4), (date(2026, 6, 1), "group", 3)]:
        items = range(1, 12) if format == "individual" else range(1, 14)
        make_final(world.program_a, {n: score for n in items} | unattempted, team=world.team_a, scale_key="it_is",
                   format=format, visit_date=day)
    make_final(world.program_a, [3] * 13, team=world.team_a, format="individual", visit_date=date(2025, 9, 1))
    make_final(world.program_a, GROUP_A, team=world.team_a, format="group", visit_date=date(2026, 3, 2))


def consensus_rows(assessment):
    return {c.item_number: c.value for c in db.session.scalars(
        select(ConsensusRating).where(ConsensusRating.assessment_id == assessment.id))}


def final_visit_ids(world):
    """(agency A's, agency B's) final visit rated by the admin and the trainer; made once per world."""
    if not hasattr(world, "_fidelity_ids"):
        raters = [user(world.users["admin"]), user(world.users["trainer"])]
        world._fidelity_ids = tuple(make_final(program, GROUP_A, raters=raters).id
                                    for program in (world.program_a, world.program_b))
    return world._fidelity_ids
