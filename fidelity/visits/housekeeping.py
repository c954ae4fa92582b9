"""Visit housekeeping: cancel a mistaken draft, withdraw one's submitted ratings before consensus begins, correct
a visit date typed wrongly before the visit is final.

Each checks first and changes nothing when refused (FidelityError); each commits its one change. A cancelled
draft is deleted with its raters and ratings: the audit log keeps every row it had and a "cancel" line
saying what the visit was and why, and the due list offers "Start this visit" again.
"""
from extensions import db
from fidelity.consensus.operations import amend_visit_date
from fidelity.errors import FidelityError
from fidelity.visits.rules import new_date_problems
from models.audit import record


def may_cancel(assessment, user):
    """Whether this user may cancel the visit: who started it, a rater on it, or who may act for raters."""
    return (assessment.created_by_id == user.id or any(r.user_id == user.id for r in assessment.raters)
            or user.can("fidelity.act_for_raters"))


def cancel_visit(assessment, user, reason=None):
    """Cancel a draft visit: it and its ratings go, the audit log keeps them."""
    if assessment.status != "draft":
        stage = "final: record an amendment to change it" if assessment.status == "final" else \
            "in consensus: every rater has submitted"
        raise FidelityError("The visit was not cancelled.", [f"Only a draft visit can be cancelled; this one is "
                                                            f"{stage}."])
    if not may_cancel(assessment, user):
        raise FidelityError("The visit was not cancelled.", [
            "Only the trainer who started it, a rater on it or an administrator can cancel a visit."], forbidden=True)
    raters = ", ".join(r.user.email for r in assessment.raters) or "none"
    record("cancel", "assessment", assessment.id, assessment.program.agency_id,
           old=f"{assessment.unit_name}, {assessment.scale_key} {assessment.scale_version}, "
               f"{assessment.format}, visit of {assessment.visit_date}; raters: {raters}",
           reason=(reason or "").strip() or None)
    for rater in list(assessment.raters):
        for rating in list(rater.ratings):
            db.session.delete(rating)
        db.session.delete(rater)
    db.session.delete(assessment)
    db.session.commit()


def withdraw_ratings(assessment, rater):
    """Take back one's submitted ratings so they can change again, until consensus begins."""
    if rater is None or rater.assessment_id != assessment.id:
        raise FidelityError("Nothing was withdrawn.", ["You do not rate this visit."])
    if assessment.status != "draft":
        raise FidelityError("Nothing was withdrawn.", [
            "Consensus has begun (every rater submitted), so ratings can no longer be withdrawn; "
            "change them in the consensus discussion." if assessment.status == "submitted" else
            "This assessment is final; record an amendment to change a rating."])
    if rater.submitted_at is None:
        raise FidelityError("Nothing was withdrawn.", ["Your ratings are not submitted: they can still change."])
    rater.submitted_at = None
    db.session.commit()


def change_visit_date(assessment, user, visit_date, reason):
    """The one way the page and the API change a visit's date: a final visit's by an amendment (its report lists
    it and the next visit due moves), any other's by a correction the audit log keeps."""
    if assessment.status == "final":
        amend_visit_date(assessment, visit_date, reason, user)
    else:
        correct_visit_date(assessment, user, visit_date, reason)


def correct_visit_date(assessment, user, visit_date, reason):
    """Correct the date of a visit not yet final (the audit log keeps the old date, who and why).

    Called by change_visit_date only, for a visit not final (a final one is amended instead)."""
    problems = []
    forbidden = not may_cancel(assessment, user)
    if forbidden:
        problems.append("Only the trainer who started it, a rater on it or an administrator can correct it.")
    problems += new_date_problems(assessment, visit_date, reason)
    if problems:
        raise FidelityError("The visit date was not changed.", problems, forbidden=forbidden)
    assessment._audit_reason = reason.strip()
    assessment.visit_date = visit_date
    db.session.commit()
