"""The evidence panel as people read it: each measurable item's figure in words, how it was computed, the
anchor it points to, and the link to the rows behind it; and the visit's window, changed by its raters."""
from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for

from date_text import day
from extensions import db
from fidelity.errors import FidelityError
from fidelity.reports.evidence import unit_evidence, unit_of
from fidelity.scales.catalog import scale_of
from scoring import evidence as ev

HOW = {
    "session_size": "Attendees per session of the unit in the window: attendance rows marked attended (an "
                    "individual session counts 1). The largest session decides the anchor, as the criterion reads "
                    "\"some sessions ...\".",
    "program_length": "Eligible: participants of the unit enrolled at some time in the window who started at least "
                      "182 days before the visit. Received: from their start to their end (or the visit), at least "
                      "24 sessions offered to them, the first and last at least 168 days apart (weekly for 6 months "
                      "or every other week for 12 months both count). People who ended early count as not received.",
    "topics": "A topic area counts when at least one session of a module the scale file maps to it was held in the "
              "window.",
    "goal_setting": "Among participants of the unit who attended at least one session in the window: the share with a "
                    "long-term goal recorded by the window's end, and of those the shares whose goal is broken into "
                    "short-term goals and whose short-term goals are broken into steps.",
    "goal_follow_up": "Among participants who attended a session in the {days} days before the visit: the share whose "
                      "goals were followed up, that is reviewed in those {days} days, or else within the span of the "
                      "last {sessions} sessions they attended (fewer than {sessions} sessions attended after their latest "
                      "review, and at least one on or before it), so that someone who comes every other week is not "
                      "held to {days} days.",
}
ROWS_ARE = {"session_size": "sessions", "topics": "sessions", "program_length": "participants",
            "goal_setting": "participants", "goal_follow_up": "participants"}


@dataclass(frozen=True)
class PanelRow:
    item: object
    evidence: object  # scoring.evidence.Evidence
    figure: str
    how: str
    anchor_text: str | None
    consensus: int | None
    disagrees: bool
    rows_url: str


def figure_text(e, cutoffs=()):
    """The figure in one sentence; the share an anchor follows never rounds across one of its `cutoffs`."""
    d, pct = e.details, ev.shown_share
    if e.measure == "session_size":
        if e.value is None:
            return "No sessions in the window."
        bands = ", ".join(f"{label}: {n}" for label, n in d["bands"])
        return f"Largest session: {e.value} attended. Sessions by size ({d['sessions']} in all): {bands}."
    if e.measure == "program_length":
        if not d["eligible"]:
            return (f"No eligible participants: {d['too_recent']} too recent to count (started under "
                    f"{ev.ELIGIBLE_DAYS} days before the visit).")
        return (f"{pct(e.value, cutoffs)}: {d['received']} of {d['eligible']} eligible participants received 6 "
                f"months of weekly sessions or the equivalent; {d['ended_early']} ended early (counted as not "
                f"received); {d['too_recent']} too recent to count.")
    if e.measure == "topics":
        unrecorded = d.get("unrecorded", 0)
        unknown = (f" {unrecorded} session{'s' if unrecorded != 1 else ''} in the window "
                   f"{'have' if unrecorded != 1 else 'has'} no module recorded: what they taught is not counted."
                   if unrecorded else "")
        if e.value is None:
            return unknown.strip()
        missing = f" Not taught: {'; '.join(d['not_taught'])}." if d["not_taught"] else ""
        return f"{e.value} of {d['of']} topic areas taught: {'; '.join(d['taught']) or 'none'}.{missing}{unknown}"
    if e.measure == "goal_setting":
        if not d["attenders"]:
            return "Nobody attended a session in the window."
        return (f"{pct(e.value, cutoffs)}: {d['with_goal']} of {d['attenders']} participants who attended in the "
                f"window have a long-term goal recorded; of those, {pct(d['broken_down_share'])} "
                f"({d['broken_down']}) have it broken into short-term goals and {pct(d['with_steps_share'])} "
                f"({d['with_steps']}) into steps.")
    if not d["recent_attenders"]:
        return f"Nobody attended a session in the {d['days']} days before the visit."
    return (f"{pct(e.value, cutoffs)}: {d['reviewed']} of {d['recent_attenders']} participants who attended in the "
            f"{d['days']} days before the visit had their goals followed up: {d['in_days']} reviewed in those days, "
            f"{d['by_sessions']} within their last {d['sessions']} sessions attended.")


def panel(assessment, consensus=None):
    """(window, [PanelRow]) of a visit; consensus {item: value} marks rows whose anchor differs by 2 or more."""
    scale = scale_of(assessment)
    unit = unit_of(assessment)
    consensus = consensus or {}
    rows = []
    for item, found in unit_evidence(scale, assessment.format, unit, current_app.config["GOAL_REVIEW_DAYS"]):
        anchor = scale.anchor(item, found.anchor) if found.anchor else None
        how = HOW[found.measure].format(days=found.details.get("days", ""), sessions=found.details.get("sessions", ""))
        if item.evidence.note:
            how += " " + item.evidence.note
        rows.append(PanelRow(item, found, figure_text(found, item.evidence.cutoffs), how, anchor,
                             consensus.get(item.number),
                             ev.disagrees(found, consensus.get(item.number)),
                             url_for("fidelity_evidence.rows", assessment_id=assessment.id, item=item.number)))
    return unit.window, rows


def panel_json(assessment, consensus=None):
    window, rows = panel(assessment, consensus)
    return {"window": {"from": window.start.isoformat(), "to": window.end.isoformat()},
            "items": [{"item": r.item.number, "name": r.item.name, "measure": r.evidence.measure,
                       "value": r.evidence.value, "anchor": r.evidence.anchor, "details": r.evidence.details,
                       "figure": r.figure, "how": r.how, "consensus": r.consensus, "disagrees": r.disagrees,
                       "rows": {ROWS_ARE[r.evidence.measure]: list(r.evidence.rows)}} for r in rows]}


def set_window(assessment, start: date | None, end: date | None):
    """Store the evidence window of a visit (None, None: back to the default); refused for a final visit. Commits."""
    problems = []
    if assessment.status == "final":
        problems.append("The visit is final: its evidence window is kept as it was rated.")
    if start and end and start > end:
        problems.append(f"The window starts on {day(start)}, after it ends on {day(end)}.")
    if problems:
        raise FidelityError("The evidence window was not changed.", problems)
    assessment.evidence_from, assessment.evidence_to = start, end
    db.session.commit()
