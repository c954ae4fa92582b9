"""What every change to a visit's ratings checks, for raters (visits) and consensus alike: a choice read from
a form, workbook or JSON; the status a change needs; entries checked against the scale, then written all
or none (the caller commits)."""
from datetime import date, timedelta

from date_text import day
from extensions import db
from fidelity.errors import FidelityError
from fidelity.scales.catalog import scale_of
import local_day
from scoring.fidelity import check_rating

NA_WORDS = {"na", "n/a", "not applicable", "not attempted"}
MAX_NOTE = 5000
MAX_DAYS_AHEAD = 366  # a visit is planned at most a year ahead: a later date is a year typed wrongly
DATE_FORMAT = "Give the visit date as YYYY-MM-DD."
FAR_AHEAD = "The visit date is more than a year ahead."


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


def require_status(assessment, status, message):
    """Refuse a change unless the visit has this status (a final visit is refused with the amendment hint)."""
    if assessment.status == "final" and status != "final":
        raise FidelityError("Nothing was changed.", ["This assessment is final and read-only; "
                                                     "record an amendment to change a rating."])
    if assessment.status != status:
        raise FidelityError("Nothing was changed.", [message])


def still_to_come(visit_date):
    """Whether a visit on this day has not taken place yet. Today is the service's (IMR_TIME_ZONE): a trainer's
    evening is not the server's tomorrow."""
    return visit_date > local_day.today()


def too_far_ahead(visit_date):
    return visit_date > local_day.today() + timedelta(days=MAX_DAYS_AHEAD)


def new_date_problems(assessment, visit_date, reason):
    """What is wrong with a corrected visit date (None: not a date) and the reason given, one line each. A final
    visit has taken place; one not final yet may be planned up to MAX_DAYS_AHEAD ahead."""
    if not isinstance(visit_date, date):
        problems = [DATE_FORMAT]
    elif assessment.status == "final" and still_to_come(visit_date):
        problems = [f"{day(visit_date)} is still to come: a final visit has taken place."]
    elif too_far_ahead(visit_date):
        problems = [FAR_AHEAD]
    elif visit_date == assessment.visit_date:
        problems = [f"The visit date is {day(visit_date)} already."]
    else:
        problems = []
    if not (reason or "").strip():
        problems.append("Say why the date changes (kept in the audit log).")
    return problems


def require_visit_held(assessment, refused):
    """Refuse handing in or finalising ratings of a visit still to come: a year typed wrongly would move the
    schedule a year on."""
    if still_to_come(assessment.visit_date):
        raise FidelityError(refused, [f"The visit date, {day(assessment.visit_date)}, is still to come: ratings are "
                                      "handed in after the visit. If it was typed wrongly, correct it on the visit "
                                      "page (Correct the visit date)."])


def missing_items(scale, format, ratings):
    """One line per item of the format that has no rating."""
    return [f"Item {i.number} ({i.name})" for i in scale.items_for(format) if i.number not in ratings]


def apply_entries(assessment, entries, rows, new_row):
    """Check every entry against the scale, then write them all (or raise and write none)."""
    scale = scale_of(assessment)
    items = {i.number: i for i in scale.items_for(assessment.format)}
    problems = []
    for number, (value, not_applicable, note) in sorted(entries.items()):
        item = items.get(number)
        if item is None:
            problems.append(f"Item {number} is not rated in this assessment ({scale.title}, {assessment.format}).")
            continue
        message = check_rating(item, value, not_applicable, scale.rating_range)
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
