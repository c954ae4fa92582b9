"""Write operations on site visits: each checks everything first, applies one change and commits.

A refused change raises FidelityError with a message and the list of problems; nothing is written.
The flow: draft (each rater rates alone) -> submitted (every rater handed in; consensus is recorded)
-> final (scored, read-only; only amendments, each with who, when, why, old and new value).
"""
import json
from datetime import date, datetime, timedelta

from extensions import db
from fidelity.scales import catalog
from fidelity.models import Amendment, Assessment, AssessmentRater, ConsensusRating, Rating, ScaleVersion
from fidelity.scales.sheets import definition_dict, read_scale
from models import STATE_ROLES
from models.audit import record
from scoring.fidelity import check_rating, score

NA_WORDS = {"na", "n/a", "not applicable", "not attempted"}
MAX_NOTE = 5000


class FidelityError(ValueError):
    """A change refused; `problems` lists what is wrong, one line each."""

    def __init__(self, message, problems=()):
        self.problems = list(problems)
        super().__init__(message)


class ScaleVersionMissing(KeyError):
    """The scale version an assessment was rated on is no longer installed; the message says what to do."""

    def __str__(self):
        return self.args[0]


def scale_of(assessment):
    """The scale version the assessment is rated on (ScaleVersionMissing when its file was removed)."""
    try:
        return catalog.get_scale(assessment.scale_key, assessment.scale_version)
    except KeyError:
        raise ScaleVersionMissing(
            f"This visit was rated on {assessment.scale_key} version {assessment.scale_version}, which is no longer "
            "installed, so it cannot be shown item by item. An administrator can upload that version again "
            "(Scales, in the admin pages); nothing was changed.") from None


def parse_choice(raw):
    """(value, not_applicable) from what a form, workbook or JSON sent: '', 'NA' or 1-5; ValueError if neither."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, False
    if isinstance(raw, str) and raw.strip().lower() in NA_WORDS:
        return None, True
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, False
    raise ValueError(f"{raw!r} is not a rating; choose a whole number from 1 to 5")


def create_assessment(*, program, team, scale, format, visit_date, rater_users, created_by, note=None):
    """Start a visit (a draft) for a program or one of its teams, with its raters."""
    problems = []
    if team is not None and team.program_id != program.id:
        problems.append(f"The team {team.name} does not belong to {program.name}.")
    if format not in scale.formats:
        problems.append(f"{scale.title} is not rated for the {format} format.")
    if not isinstance(visit_date, date):
        problems.append("Give the visit date.")
    elif visit_date > date.today() + timedelta(days=366):
        problems.append("The visit date is more than a year ahead.")
    if not rater_users:
        problems.append("Choose at least one rater.")
    for user in rater_users:
        if user.role not in STATE_ROLES or not user.active:
            problems.append(f"{user.email} cannot rate: raters are active state trainers or admins.")
    if problems:
        raise FidelityError("The visit was not created.", problems)
    assessment = Assessment(program_id=program.id, team_id=team.id if team else None, scale_key=scale.key,
                            scale_version=scale.version, format=format, visit_date=visit_date, status="draft",
                            created_by_id=created_by.id, note=(note or "").strip() or None)
    db.session.add(assessment)
    db.session.flush()
    for user in dict.fromkeys(rater_users):
        db.session.add(AssessmentRater(assessment_id=assessment.id, user_id=user.id))
    db.session.commit()
    return assessment


def add_rater(assessment, user):
    """Add a rater to a draft visit."""
    _require(assessment, "draft", "Raters can be added only while the visit is a draft.")
    if user.role not in STATE_ROLES or not user.active:
        raise FidelityError("The rater was not added.", [f"{user.email} is not an active state trainer or admin."])
    if any(r.user_id == user.id for r in assessment.raters):
        raise FidelityError("The rater was not added.", [f"{user.email} already rates this visit."])
    db.session.add(AssessmentRater(assessment_id=assessment.id, user_id=user.id))
    db.session.commit()


def rater_for(assessment, user):
    return next((r for r in assessment.raters if r.user_id == user.id), None)


def save_ratings(assessment, rater, entries):
    """Save a rater's draft ratings: entries {item: (value, not_applicable, note)}; a note of None is kept."""
    _require(assessment, "draft", "Ratings can change only while the visit is a draft.")
    if rater.submitted_at is not None:
        raise FidelityError("Nothing was saved.", ["These ratings were submitted and can no longer change."])
    rows = {r.item_number: r for r in rater.ratings}
    _apply(assessment, entries, rows, lambda n: Rating(rater_id=rater.id, item_number=n))
    db.session.commit()


def submit_ratings(assessment, rater):
    """Hand in a rater's complete ratings; when the last rater does, consensus can begin."""
    _require(assessment, "draft", "Ratings can be submitted only while the visit is a draft.")
    if rater.submitted_at is not None:
        raise FidelityError("Nothing changed.", ["These ratings were submitted already."])
    scale = scale_of(assessment)
    missing = _missing(scale, assessment.format, rater.rating_map())
    if missing:
        raise FidelityError(f"Your ratings were not submitted: {len(missing)} item(s) are unrated.", missing)
    rater.submitted_at = datetime.utcnow()
    if all(r.submitted_at for r in assessment.raters):
        assessment.status = "submitted"
        assessment.submitted_at = rater.submitted_at
        _prefill_consensus(assessment, scale)
    db.session.commit()


def _prefill_consensus(assessment, scale):
    """Where every rater gave the same rating, that rating is the consensus; the rest wait for discussion."""
    maps = [r.rating_map() for r in assessment.raters]
    for item in scale.items_for(assessment.format):
        values = {m.get(item.number, "unrated") for m in maps}
        if len(values) == 1 and "unrated" not in values:
            value = values.pop()
            db.session.add(ConsensusRating(assessment_id=assessment.id, item_number=item.number, value=value,
                                           not_applicable=value is None))


def save_consensus(assessment, entries):
    """Record consensus ratings {item: (value, not_applicable, note)} once every rater has submitted."""
    if assessment.status == "draft":
        raise FidelityError("Nothing was saved.", ["Consensus starts when every rater has submitted."])
    _require(assessment, "submitted", "Consensus can change only before the visit is final.")
    rows = {c.item_number: c for c in assessment.consensus}
    _apply(assessment, entries, rows, lambda n: ConsensusRating(assessment_id=assessment.id, item_number=n))
    db.session.commit()


def finalize(assessment):
    """Score the consensus and make the assessment final (read-only from now on)."""
    if assessment.status == "draft":
        waiting = [r.user.email for r in assessment.raters if r.submitted_at is None]
        raise FidelityError("The assessment was not finalised: not every rater has submitted.",
                            [f"Waiting for {email}." for email in waiting])
    _require(assessment, "submitted", "The assessment is final already.")
    scale = scale_of(assessment)
    ratings = assessment.consensus_ratings()
    missing = _missing(scale, assessment.format, ratings)
    if missing:
        raise FidelityError(f"The assessment was not finalised: {len(missing)} item(s) have no consensus "
                            "rating.", missing)
    result = score(scale.items, ratings, assessment.format, scale.summary, scale.bands)
    assessment.status = "final"
    assessment.summary_score = result.summary
    assessment.band = result.band.key if result.band else None
    assessment.finalized_at = datetime.utcnow()
    db.session.commit()


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
        message = check_rating(item, value, not_applicable)
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
    result = score(scale.items, assessment.consensus_ratings(), assessment.format, scale.summary, scale.bands)
    assessment.summary_score = result.summary
    assessment.band = result.band.key if result.band else None
    db.session.add(Amendment(assessment_id=assessment.id, item_number=item_number, old_value=old, new_value=new,
                             old_summary=old_summary, new_summary=result.summary, reason=reason,
                             user_id=user.id, actor=user.email))
    record("amend", "assessment", assessment.id, assessment.owning_agency_id, field=f"item {item_number}",
           old=old, new=new, reason=reason)
    db.session.commit()


def _shown(value, not_applicable):
    return "NA" if not_applicable else str(value)


def _require(assessment, status, message):
    if assessment.status == "final" and status != "final":
        raise FidelityError("Nothing was changed.", ["This assessment is final and read-only; "
                                                     "record an amendment to change a rating."])
    if assessment.status != status:
        raise FidelityError("Nothing was changed.", [message])


def _missing(scale, format, ratings):
    return [f"Item {i.number} ({i.name})" for i in scale.items_for(format) if i.number not in ratings]


def _apply(assessment, entries, rows, new_row):
    """Check every entry against the scale, then write them all (or raise and write none)."""
    scale = scale_of(assessment)
    items = {i.number: i for i in scale.items_for(assessment.format)}
    problems = []
    for number, (value, not_applicable, note) in sorted(entries.items()):
        item = items.get(number)
        if item is None:
            problems.append(f"Item {number} is not rated in this assessment ({scale.title}, {assessment.format}).")
            continue
        message = check_rating(item, value, not_applicable)
        if message:
            problems.append(message)
        if note is not None and len(note) > MAX_NOTE:
            problems.append(f"Item {number}: the note is longer than {MAX_NOTE} characters.")
    if problems:
        raise FidelityError("Nothing was saved.", problems)
    for number, (value, not_applicable, note) in entries.items():
        row = rows.get(number)
        if row is None:
            row = new_row(number)
            db.session.add(row)
        row.value, row.not_applicable = value, bool(not_applicable)
        if note is not None:
            row.note = note.strip() or None


def upload_scale_version(data, filename, user):
    """Add a scale version from an admin's workbook (checked like a scale file); returns the Scale."""
    _, scale = read_scale(data, filename)  # raises ScaleError or UnsafeWorkbook
    if any(s.key == scale.key and s.version == scale.version for s, _ in catalog.all_scales()):
        raise FidelityError("The scale was not added.",
                            [f"Version {scale.version} of {scale.key} exists already; give the new one its own "
                             "version label."])
    db.session.add(ScaleVersion(scale_key=scale.key, version=scale.version, filename=filename[:255],
                                definition=json.dumps(definition_dict(scale)), uploaded_by_id=user.id))
    db.session.commit()
    return scale
