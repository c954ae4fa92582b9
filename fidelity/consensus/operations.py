"""Write operations after every rater has submitted: consensus, finalising, and amendments to a final visit.

Each checks everything first, applies one change and commits; a refused change raises FidelityError and
writes nothing. A final assessment is read-only: only amendments, each with who, when, why, old and new value.
"""
from datetime import datetime

from extensions import db
from fidelity.errors import FidelityError
from fidelity.models import Amendment, ConsensusRating
from fidelity.notices import operations as notices
from fidelity.scales.catalog import scale_of
from fidelity.visits.rules import apply_entries, missing_items, new_date_problems, require_status, require_visit_held
from models.audit import record
from scoring.fidelity import check_rating, score

MAX_RECOMMENDATIONS = 20000


def save_consensus(assessment, entries, recommendations=None):
    """Record consensus ratings {item: (value, not_applicable, note)} once every rater has submitted, and the
    recommendations (None: unchanged)."""
    if assessment.status == "draft":
        raise FidelityError("Nothing was saved.", ["Consensus starts when every rater has submitted."])
    require_status(assessment, "submitted", "Consensus can change only before the visit is final.")
    if recommendations is not None and len(recommendations) > MAX_RECOMMENDATIONS:
        raise FidelityError("Nothing was saved.", [f"The recommendations are {len(recommendations)} characters "
                                                   f"long; keep them under {MAX_RECOMMENDATIONS}."])
    rows = {c.item_number: c for c in assessment.consensus}
    apply_entries(assessment, entries, rows, lambda n: ConsensusRating(assessment_id=assessment.id, item_number=n))
    if recommendations is not None:
        assessment.recommendations = recommendations.strip() or None
    db.session.commit()


def finalize(assessment):
    """Score the consensus and make the assessment final (read-only from now on)."""
    if assessment.status == "draft":
        waiting = [r.user.email for r in assessment.raters if r.submitted_at is None]
        raise FidelityError("The assessment was not finalised: not every rater has submitted.",
                            [f"Waiting for {email}." for email in waiting])
    require_status(assessment, "submitted", "The assessment is final already.")
    require_visit_held(assessment, "The assessment was not finalised.")
    scale = scale_of(assessment)
    ratings = assessment.consensus_ratings()
    missing = missing_items(scale, assessment.format, ratings)
    if missing:
        raise FidelityError(f"The assessment was not finalised: {len(missing)} item(s) have no consensus "
                            "rating.", missing)
    result = score(scale.items, ratings, assessment.format, scale.summary, scale.bands,
                   rating_range=scale.rating_range)
    assessment.status = "final"
    assessment.summary_score = result.summary
    assessment.band = result.band.key if result.band else None
    assessment.finalized_at = datetime.utcnow()
    notices.queue(assessment, "final", notices.managers_of(assessment) + notices.raters_of(assessment))
    db.session.commit()
    notices.deliver(assessment)


def amend(assessment, item_number, value, not_applicable, reason, user):
    """Change one consensus rating of a final assessment, recording who, when, why, old and new value."""
    if assessment.status != "final":
        raise FidelityError("Nothing was amended.", ["Only final assessments are amended; edit the draft instead."])
    scale = scale_of(assessment)
    item = next((i for i in scale.items_for(assessment.format) if i.number == item_number), None)
    problems = []
    if item is None:
        problems.append(f"Item {item_number} is not rated in this assessment.")
    else:
        message = check_rating(item, value, not_applicable, scale.rating_range)
        if message:
            problems.append(message)
        elif value is None and not not_applicable:
            problems.append(f"Item {item.number} ({item.name}): choose the new rating.")
    reason = (reason or "").strip()
    if not reason:
        problems.append("Say why the rating is amended.")
    row = next((c for c in assessment.consensus if c.item_number == item_number), None)
    old = _shown(row.value, row.not_applicable) if row else "unrated"
    new = _shown(value, not_applicable)
    if not problems and old == new:
        problems.append(f"Item {item_number} is already rated {new}.")
    if problems:
        raise FidelityError("Nothing was amended.", problems)
    if row is None:
        row = ConsensusRating(item_number=item_number)
        assessment.consensus.append(row)
    row.value, row.not_applicable = value, bool(not_applicable)
    row._audit_reason = assessment._audit_reason = f"Amendment: {reason}"
    old_summary = assessment.summary_score
    result = score(scale.items, assessment.consensus_ratings(), assessment.format, scale.summary, scale.bands,
                   rating_range=scale.rating_range)
    assessment.summary_score = result.summary
    assessment.band = result.band.key if result.band else None
    amendment = Amendment(assessment_id=assessment.id, item_number=item_number, old_value=old, new_value=new,
                          old_summary=old_summary, new_summary=result.summary, reason=reason,
                          user_id=user.id, actor=user.email)
    db.session.add(amendment)
    record("amend", "assessment", assessment.id, assessment.owning_agency_id, field=f"item {item_number}",
           old=old, new=new, reason=reason)
    db.session.flush()
    notices.queue(assessment, "amended", notices.managers_of(assessment) + notices.raters_of(assessment),
                  amendment=amendment, skip=user)
    db.session.commit()
    notices.deliver(assessment)


def amend_visit_date(assessment, visit_date, reason, user):
    """Correct a final visit's date, recording who, when, why, old and new date (the next visit due moves).

    Called by change_visit_date only, for a final visit (one not final is corrected instead)."""
    problems = new_date_problems(assessment, visit_date, reason)
    reason = (reason or "").strip()
    if problems:
        raise FidelityError("Nothing was amended.", problems)
    old = assessment.visit_date.isoformat()
    assessment._audit_reason = f"Amendment: {reason}"
    assessment.visit_date = visit_date
    amendment = Amendment(assessment_id=assessment.id, item_number=None, old_value=old,
                          new_value=visit_date.isoformat(), old_summary=assessment.summary_score,
                          new_summary=assessment.summary_score, reason=reason, user_id=user.id, actor=user.email)
    db.session.add(amendment)
    db.session.flush()
    notices.queue(assessment, "redated", notices.managers_of(assessment) + notices.raters_of(assessment),
                  amendment=amendment, skip=user)
    db.session.commit()
    notices.deliver(assessment)


def _shown(value, not_applicable):
    return "NA" if not_applicable else str(value)
