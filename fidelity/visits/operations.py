"""Write operations on site visits up to consensus: each checks everything first, applies one change, commits.

A refused change raises FidelityError with a message and the list of problems; nothing is written.
The flow: draft (each rater rates alone) -> submitted (every rater handed in; consensus begins, in
fidelity/consensus/) -> final.
"""
from datetime import date, datetime, timedelta

from extensions import db
from fidelity.errors import FidelityError
from fidelity.models import Assessment, AssessmentRater, ConsensusRating, Rating
from fidelity.notices import operations as notices
from fidelity.scales.catalog import scale_of
from fidelity.visits.rules import apply_entries, missing_items, require_status, require_visit_held
import local_day


def create_assessment(*, program, team, scale, format, visit_date, rater_users, created_by, note=None,
                      confirm_format=False):
    """Start a visit (a draft) for a program or one of its teams, with its raters.

    A format other than the team's own is taken only when confirmed (a group team rated as individual is
    usually a slip)."""
    problems = []
    if team is not None and team.program_id != program.id:
        problems.append(f"The team {team.name} does not belong to {program.name}.")
    elif team is not None and format in ("group", "individual") and team.format != format and not confirm_format:
        problems.append(f"{team.name} is a {team.format} team but the visit is set to the {format} format: "
                        f"choose {team.format}, or confirm that this visit rates it as {format}.")
    if format not in scale.formats:
        problems.append(f"{scale.title} is not rated for the {format} format.")
    if not isinstance(visit_date, date):
        problems.append("Give the visit date.")
    elif visit_date > local_day.today() + timedelta(days=366):
        problems.append("The visit date is more than a year ahead.")
    if not rater_users:
        problems.append("Choose at least one rater.")
    for user in rater_users:
        if not user.can("fidelity.rate") or not user.active:
            # No email: the asker may see only the accounts the rater list offers (issue 13, point 8).
            problems.append(f"Account {user.id} cannot rate: raters are active state trainers or admins.")
    if problems:
        raise FidelityError("The visit was not created.", problems)
    assessment = Assessment(program_id=program.id, team_id=team.id if team else None, scale_key=scale.key,
                            scale_version=scale.version, format=format, visit_date=visit_date, status="draft",
                            created_by_id=created_by.id, note=(note or "").strip() or None)
    db.session.add(assessment)
    db.session.flush()
    for user in dict.fromkeys(rater_users):
        db.session.add(AssessmentRater(assessment_id=assessment.id, user_id=user.id))
    db.session.flush()
    notices.queue(assessment, "rater_added", rater_users, skip=created_by)
    db.session.commit()
    notices.deliver(assessment)
    return assessment


def add_rater(assessment, user, added_by=None):
    """Add a rater to a draft visit."""
    require_status(assessment, "draft", "Raters can be added only while the visit is a draft.")
    if not user.can("fidelity.rate") or not user.active:
        raise FidelityError("The rater was not added.", [f"Account {user.id} is not an active state trainer or admin."])
    if any(r.user_id == user.id for r in assessment.raters):
        raise FidelityError("The rater was not added.", [f"{user.email} already rates this visit."])
    db.session.add(AssessmentRater(assessment_id=assessment.id, user_id=user.id))
    notices.queue(assessment, "rater_added", [user], skip=added_by)
    db.session.commit()
    notices.deliver(assessment)


def save_ratings(assessment, rater, entries):
    """Save a rater's draft ratings: entries {item: (value, not_applicable, note)}; a note of None is kept."""
    require_status(assessment, "draft", "Ratings can change only while the visit is a draft.")
    if rater.submitted_at is not None:
        raise FidelityError("Nothing was saved.", ["These ratings were submitted and can no longer change."])
    rows = {r.item_number: r for r in rater.ratings}
    apply_entries(assessment, entries, rows, lambda n: Rating(rater_id=rater.id, item_number=n))
    db.session.commit()


def submit_ratings(assessment, rater):
    """Hand in a rater's complete ratings; when the last rater does, consensus can begin."""
    require_status(assessment, "draft", "Ratings can be submitted only while the visit is a draft.")
    if rater.submitted_at is not None:
        raise FidelityError("Nothing changed.", ["These ratings were submitted already."])
    require_visit_held(assessment, "Your ratings were not submitted.")
    scale = scale_of(assessment)
    missing = missing_items(scale, assessment.format, rater.rating_map())
    if missing:
        raise FidelityError(f"Your ratings were not submitted: {len(missing)} item(s) are unrated.", missing)
    rater.submitted_at = datetime.utcnow()
    if all(r.submitted_at for r in assessment.raters):
        assessment.status = "submitted"
        assessment.submitted_at = rater.submitted_at
        _prefill_consensus(assessment, scale)
        notices.queue(assessment, "all_submitted", notices.raters_of(assessment))
    db.session.commit()
    notices.deliver(assessment)


def _prefill_consensus(assessment, scale):
    """Where every rater gave the same rating, that rating is the consensus; the rest wait for discussion."""
    maps = [r.rating_map() for r in assessment.raters]
    for item in scale.items_for(assessment.format):
        values = {m.get(item.number, "unrated") for m in maps}
        if len(values) == 1 and "unrated" not in values:
            value = values.pop()
            db.session.add(ConsensusRating(assessment_id=assessment.id, item_number=item.number, value=value,
                                           not_applicable=value is None))
