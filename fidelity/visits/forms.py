"""Read the fidelity forms (built in the templates: the items come from the scale, so the fields do too)."""
from datetime import date

from extensions import db
from fidelity.scales import catalog
from fidelity.visits.rules import DATE_FORMAT, parse_choice
from models import Program, Team, User
from security.parsing import whole_number
from auth.access import can_see_agency


def read_entries(form, items, prefix=""):
    """({item: (value, not_applicable, note)}, problems) from fields choice_N and note_N; absent items skipped."""
    entries, problems = {}, []
    for item in items:
        raw = form.get(f"{prefix}choice_{item.number}")
        note = form.get(f"{prefix}note_{item.number}")
        if raw is None and note is None:
            continue
        try:
            value, not_applicable = parse_choice(raw)
        except ValueError as e:
            problems.append(f"Item {item.number} ({item.name}): {e}.")
            continue
        entries[item.number] = (value, not_applicable, note)
    return entries, problems


def _int(text):
    try:
        return whole_number(text)
    except (TypeError, ValueError):
        return None


def read_new_assessment(form):
    """(values for operations.create_assessment, problems) from the create form."""
    problems = []
    program = db.session.get(Program, _int(form.get("program_id")) or 0)
    if program is None or not can_see_agency(program.agency_id):
        problems.append("Choose the program visited.")
    team = None
    if form.get("team_id"):
        team = db.session.get(Team, _int(form.get("team_id")) or 0)
        if team is None or (program is not None and team.program_id != program.id):
            problems.append("The team chosen is not a team of that program.")
    scale = None
    key, _, version = (form.get("scale") or "").partition("@")
    try:
        scale = catalog.get_scale(key, version or None)
    except KeyError:
        problems.append("Choose the scale to rate on.")
    visit_date = read_visit_date(form)
    if visit_date is None:
        problems.append(DATE_FORMAT)
    raters = [db.session.get(User, i) for i in {_int(v) for v in form.getlist("rater_ids")} if i]
    values = dict(program=program, team=team, scale=scale, format=form.get("format") or "",
                  visit_date=visit_date, rater_users=[r for r in raters if r is not None], note=form.get("note"),
                  confirm_format=form.get("confirm_format") == "yes")
    return values, problems


def read_visit_date(form):
    """The visit date a form sent (YYYY-MM-DD, as a date field sends it); None when it is not a date."""
    try:
        return date.fromisoformat(form.get("visit_date") or "")
    except (TypeError, ValueError):  # TypeError: a JSON number or list
        return None
