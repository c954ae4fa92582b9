"""Fidelity JSON API under /api/v1, with the pages' rules: trainers and admins rate; managers read their own
agency's final reports; clerks get 403. Writes are POSTs with the X-CSRFToken header.

Refused writes answer 400 with {"error": {"message", "problems": [...]}} and change nothing (403, the same
shape, when the caller is not one who may: cancelling another's draft, withdrawing on a visit they do not rate).
"""
from datetime import date

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from api import API_PREFIX
from auth.permissions import permission_required
from api.serialize import program_json, team_json
from auth.access import can_see_agency, get_visible_or_404
from date_text import iso_moment
from errors import bad_request
from extensions import db
from fidelity import queries
from fidelity.consensus.agreement import agreement_json, agreement_of, rater_maps
from fidelity.consensus.operations import amend, finalize, save_consensus
from fidelity.errors import FidelityError
from fidelity.models import Assessment
from fidelity.queries import rater_for
from fidelity.reports.history import series_json
from fidelity.reports.report import build_report, report_json
from fidelity.reports.state import build_state, read_window, state_json
from fidelity.scales import catalog
from fidelity.scales.sheets import definition_dict
from fidelity.visits.forms import read_visit_date
from fidelity.visits.housekeeping import cancel_visit, change_visit_date, withdraw_ratings
from fidelity.visits.operations import create_assessment, save_ratings, submit_ratings
from models import Program, Team, User
from security.parsing import json_id, whole_number

bp = Blueprint("api_fidelity", __name__, url_prefix=API_PREFIX)


def assessment_json(a):
    return {"id": a.id, "program_id": a.program_id, "program": a.program.name, "team_id": a.team_id,
            "team": a.team.name if a.team else None, "agency_id": a.program.agency_id,
            "scale_key": a.scale_key, "scale_version": a.scale_version, "format": a.format,
            "visit_date": a.visit_date.isoformat(), "status": a.status, "summary_score": a.summary_score,
            "band": a.band, "finalized_at": iso_moment(a.finalized_at)}


def refused(error, status=None):
    status = status or (403 if error.forbidden else 400)
    return jsonify(error={"status": status, "title": "Refused" if status == 400 else "Forbidden",
                          "message": str(error), "problems": error.problems}), status


def _body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise bad_request("Send a JSON object.")
    return data


def _entries(data):
    """{item: (value, not_applicable, note)} from {"ratings": [{"item", "value", "not_applicable", "note"}]}."""
    rows = data.get("ratings")
    if not isinstance(rows, list):
        raise FidelityError("Nothing was saved.", ['Send "ratings": a list of {"item", "value", '
                                                   '"not_applicable", "note"}.'])
    entries, problems = {}, []
    for index, row in enumerate(rows):
        item = row.get("item") if isinstance(row, dict) else None
        if not isinstance(item, int) or isinstance(item, bool):
            problems.append(f"ratings[{index}]: give the item number as a whole number.")
            continue
        value, na, note = row.get("value"), row.get("not_applicable", False), row.get("note")
        if not isinstance(na, bool) or (note is not None and not isinstance(note, str)):
            problems.append(f"ratings[{index}] (item {item}): not_applicable is true or false; note is text.")
            continue
        entries[item] = (value, na, note)
    if problems:
        raise FidelityError("Nothing was saved.", problems)
    return entries


@bp.get("/assessments")
@permission_required("fidelity.read_scores")
def assessments():
    found = queries.visible_assessments(program_id=request.args.get("program_id", type=whole_number),
                                        team_id=request.args.get("team_id", type=whole_number),
                                        scale_key=request.args.get("scale_key"), status=request.args.get("status"))
    return jsonify(assessments=[assessment_json(a) for a in found])


@bp.post("/assessments")
@permission_required("fidelity.rate")
def create():
    data = _body()
    program = db.session.get(Program, json_id(data.get("program_id")) or 0)
    problems = []
    if program is None or not can_see_agency(program.agency_id):
        problems.append("program_id: no such program.")
    team = db.session.get(Team, json_id(data["team_id"])) if json_id(data.get("team_id")) else None
    if data.get("team_id") is not None and team is None:
        problems.append("team_id: no such team.")
    try:
        scale = catalog.get_scale(str(data.get("scale_key")), data.get("scale_version"))
    except KeyError:
        scale = None
        problems.append("scale_key / scale_version: no such scale.")
    try:
        visit_date = date.fromisoformat(str(data.get("visit_date")))
    except ValueError:
        visit_date = None
        problems.append("visit_date: give a date as YYYY-MM-DD.")
    rater_ids = data.get("rater_ids") or [current_user.id]
    if not isinstance(rater_ids, list):
        problems.append("rater_ids: give a list of account ids, e.g. [3, 7].")
        rater_ids = []
    raters = [db.session.get(User, json_id(i)) for i in rater_ids if json_id(i)]
    if len(raters) != len(rater_ids) or None in raters:
        problems.append("rater_ids: give the ids of existing accounts.")
    try:
        if problems:
            raise FidelityError("The visit was not created.", problems)
        a = create_assessment(program=program, team=team, scale=scale, format=str(data.get("format")),
                              visit_date=visit_date, rater_users=raters, created_by=current_user,
                              note=data.get("note") if isinstance(data.get("note"), str) else None,
                              confirm_format=data.get("confirm_format") is True)
    except FidelityError as e:
        return refused(e)
    return jsonify(assessment=assessment_json(a)), 201


@bp.get("/assessments/<int:assessment_id>")
@permission_required("fidelity.read_scores")
def assessment(assessment_id):
    a = queries.get_assessment(assessment_id)
    data = {"assessment": assessment_json(a), "report": report_json(build_report(a))}
    if current_user.can("fidelity.rate"):
        data["raters"] = [{"id": r.id, "email": r.user.email, "submitted": r.submitted_at is not None}
                          for r in a.raters]
    return jsonify(data)


@bp.get("/assessments/<int:assessment_id>/ratings")
@permission_required("fidelity.rate")
def ratings(assessment_id):
    """Each rater's ratings (others' hidden until every rater has submitted) and the consensus."""
    a = get_visible_or_404(Assessment, assessment_id)
    raters = []
    for r in a.raters:
        visible = a.status != "draft" or r.user_id == current_user.id
        raters.append({"id": r.id, "email": r.user.email, "submitted": r.submitted_at is not None,
                       "ratings": [{"item": x.item_number, "value": x.value, "not_applicable": x.not_applicable,
                                    "note": x.note} for x in r.ratings] if visible else None})
    consensus = [{"item": c.item_number, "value": c.value, "not_applicable": c.not_applicable, "note": c.note}
                 for c in a.consensus]
    return jsonify(assessment=assessment_json(a), raters=raters, consensus=consensus)


def _my_rater(assessment, refusal):
    """The signed-in user's rater record on this visit, or a FidelityError saying they do not rate it."""
    me = rater_for(assessment, current_user)
    if me is None:
        raise FidelityError(refusal, ["You do not rate this visit."])
    return me


@bp.post("/assessments/<int:assessment_id>/ratings")
@permission_required("fidelity.rate")
def save_my_ratings(assessment_id):
    """Save the caller's draft ratings (the rating page saves each item this way as the rater goes)."""
    a = get_visible_or_404(Assessment, assessment_id)
    try:
        me = _my_rater(a, "Nothing was saved.")
        entries = _entries(_body())
        save_ratings(a, me, entries)
    except FidelityError as e:
        return refused(e)
    return jsonify(saved=sorted(entries), rated=len(me.rating_map()))


@bp.post("/assessments/<int:assessment_id>/submit")
@permission_required("fidelity.rate")
def submit(assessment_id):
    a = get_visible_or_404(Assessment, assessment_id)
    try:
        submit_ratings(a, _my_rater(a, "Nothing was submitted."))
    except FidelityError as e:
        return refused(e)
    return jsonify(assessment=assessment_json(a))


@bp.post("/assessments/<int:assessment_id>/cancel")
@permission_required("fidelity.rate")
def cancel(assessment_id):
    """Cancel a draft visit (who started it, a rater on it, or an admin); the audit log keeps it and the reason."""
    a = get_visible_or_404(Assessment, assessment_id)
    data = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(data, dict) or not isinstance(data.get("reason") or "", str):
        return refused(FidelityError("The visit was not cancelled.", ['Send a JSON object, with "reason" as text '
                                                                     'if you give one.']))
    gone = {"id": a.id, "program_id": a.program_id, "team_id": a.team_id, "visit_date": a.visit_date.isoformat()}
    try:
        cancel_visit(a, current_user, data.get("reason"))
    except FidelityError as e:
        return refused(e)
    return jsonify(cancelled=gone)


@bp.post("/assessments/<int:assessment_id>/visit-date")
@permission_required("fidelity.rate")
def visit_date(assessment_id):
    """Correct a visit's date as the page does: {"visit_date": "YYYY-MM-DD", "reason": "..."}."""
    a = get_visible_or_404(Assessment, assessment_id)
    data = _body()
    reason = data.get("reason") if isinstance(data.get("reason"), str) else ""
    try:
        change_visit_date(a, current_user, read_visit_date(data), reason)
    except FidelityError as e:  # only who may cancel a visit not yet final corrects its date, as on the page
        return refused(e)
    return jsonify(assessment=assessment_json(a))


@bp.post("/assessments/<int:assessment_id>/withdraw")
@permission_required("fidelity.rate")
def withdraw(assessment_id):
    """Take back the caller's submitted ratings, until every rater has submitted (consensus begins)."""
    a = get_visible_or_404(Assessment, assessment_id)
    me = rater_for(a, current_user)
    try:
        withdraw_ratings(a, me)
    except FidelityError as e:
        return refused(e, 403 if me is None else 400)
    return jsonify(assessment=assessment_json(a), rater={"id": me.id, "submitted": False})


@bp.get("/assessments/<int:assessment_id>/agreement")
@permission_required("fidelity.rate")
def agreement(assessment_id):
    a = get_visible_or_404(Assessment, assessment_id)
    return jsonify(agreement=agreement_json(agreement_of(rater_maps(a))))


@bp.post("/assessments/<int:assessment_id>/consensus")
@permission_required("fidelity.rate")
def consensus(assessment_id):
    a = get_visible_or_404(Assessment, assessment_id)
    try:
        save_consensus(a, _entries(_body()))
    except FidelityError as e:
        return refused(e)
    return jsonify(assessment=assessment_json(a))


@bp.post("/assessments/<int:assessment_id>/finalize")
@permission_required("fidelity.rate")
def finalize_view(assessment_id):
    a = get_visible_or_404(Assessment, assessment_id)
    try:
        finalize(a)
    except FidelityError as e:
        return refused(e)
    return jsonify(assessment=assessment_json(a), report=report_json(build_report(a)))


@bp.post("/assessments/<int:assessment_id>/amendments")
@permission_required("fidelity.rate")
def amendments(assessment_id):
    a = get_visible_or_404(Assessment, assessment_id)
    data = _body()
    try:
        item, value, na = data.get("item"), data.get("value"), data.get("not_applicable", False)
        if not isinstance(item, int) or not isinstance(na, bool):
            raise FidelityError("Nothing was amended.", ["Give item (a number), value or not_applicable, reason."])
        amend(a, item, value, na, data.get("reason") if isinstance(data.get("reason"), str) else "", current_user)
    except FidelityError as e:
        return refused(e)
    return jsonify(assessment=assessment_json(a), report=report_json(build_report(a)))


@bp.get("/scales")
@permission_required("fidelity.read_scores")
def scales():
    return jsonify(scales=[{"key": s.key, "version": s.version, "title": s.title, "summary": s.summary,
                            "uploaded": row is not None, "current": s.version == catalog.current_version(s.key)}
                           for s, row in catalog.all_scales()])


@bp.get("/scales/<scale_key>/<version>")
@permission_required("fidelity.read_scores")
def scale(scale_key, version):
    try:
        return jsonify(scale=definition_dict(catalog.get_scale(scale_key, version)))
    except KeyError:
        abort(404)


@bp.get("/programs/<int:program_id>/fidelity")
@permission_required("fidelity.read_scores")
def program_history(program_id):
    program = get_visible_or_404(Program, program_id)
    found = queries.final_history(program.id, scale_key=request.args.get("scale_key"))
    return jsonify(program=program_json(program), **_history_json(found))


@bp.get("/teams/<int:team_id>/fidelity")
@permission_required("fidelity.read_scores")
def team_history(team_id):
    team = get_visible_or_404(Team, team_id)
    found = queries.final_history(team.program_id, team_id=team.id, scale_key=request.args.get("scale_key"))
    return jsonify(team=team_json(team), **_history_json(found))


def _history_json(found):
    """The final visits, oldest first, and the lines the history page draws (one per unit and comparable set)."""
    return {"assessments": [assessment_json(a) for a in found],
            "series": series_json(found)}


@bp.get("/fidelity/state")
@permission_required("fidelity.read_scores")
def state():
    """Every visible unit's latest final score and change, and item statistics (unrounded) for a scale."""
    keys = catalog.scale_keys()
    scale_key = request.args.get("scale_key") or catalog.headline_key()
    if scale_key not in keys:
        raise bad_request(f"Unknown scale {scale_key!r}: use one of {', '.join(keys)}.")
    start, end, problems = read_window(request.args)
    if problems:
        raise bad_request(" ".join(problems))
    return jsonify(state_json(build_state(scale_key, start, end), _unit_json, assessment_json))


def _unit_json(program, team):
    return {"program": program_json(program), "team": team_json(team) if team else None}
