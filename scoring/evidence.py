"""Evidence from records for fidelity items, as DESIGN.md defines it ("Evidence from records"), from plain values.

A scale item declares what the records can measure in its scale file (`evidence = { measure = ..., cutoffs =
[...] }`); cut-offs are the lowest value of each next anchor, so anchors come from data, never from code.
fidelity/reports/evidence.py computes the same figures in SQL for the pages; tests check that both agree.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from scoring.engagement import Window, offered_sessions
from scoring.fidelity import fewest_places
from scoring.goals import FOLLOW_UP_SESSIONS, LONG_TERM, REVIEW_DAYS, add_months, followed_up, sessions_around

# measure -> (what it counts, whether a higher figure is better); the scale file names one per item.
MEASURES = {
    "session_size": "the largest number of people who attended one session",
    "program_length": "the share of eligible participants who received 6 months of weekly sessions or the "
                      "equivalent",
    "topics": "the number of the scale's topic areas taught",
    "goal_setting": "the share of participants with a long-term goal recorded, and of those the shares with it "
                    "broken into short-term goals and into steps",
    "goal_follow_up": "the share of recently attending participants with a goal reviewed in the last days or "
                      "within their last sessions attended",
}
LOWER_IS_BETTER = {"session_size"}
CRITERION_FIELDS = {"measure", "cutoffs", "note"}
ELIGIBLE_DAYS = 182  # program length: started at least this long before the visit
MIN_SESSIONS, MIN_SPAN_DAYS = 24, 168  # 6 months of weekly sessions, or the equivalent
WINDOW_MONTHS = 12  # the default window: the 12 months before the visit


@dataclass(frozen=True)
class Criterion:
    measure: str
    cutoffs: tuple  # ascending; empty: no published cut-offs, figures only
    note: str = ""


@dataclass(frozen=True)
class Evidence:
    item: int
    measure: str
    value: float | None  # the figure the anchor follows (None: nothing to measure)
    anchor: int | None  # None where the scale gives no cut-offs or nothing was measured
    details: dict = field(default_factory=dict)  # what the page shows beside the figure
    rows: tuple = ()  # ids behind the figure: sessions (session_size, topics) or participants


def parse_criterion(value, where, problems):
    """A Criterion from a scale file's `evidence` table, or None with the problems listed."""
    if not isinstance(value, dict):
        problems.append(f"{where}: give evidence as a table, e.g. {{ measure = \"topics\", cutoffs = [2, 4, 6, 8] }}")
        return None
    for name in sorted(set(value) - CRITERION_FIELDS):
        problems.append(f"{where}: unknown field '{name}' (known: {', '.join(sorted(CRITERION_FIELDS))})")
    measure, cutoffs = value.get("measure"), value.get("cutoffs", [])
    if measure not in MEASURES:
        problems.append(f"{where}: measure {measure!r} is not known (use {', '.join(MEASURES)})")
        return None
    if (not isinstance(cutoffs, list) or len(cutoffs) not in (0, 4) or cutoffs != sorted(set(cutoffs))
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cutoffs)):
        problems.append(f"{where}: cutoffs must be four rising numbers, each the lowest figure of the next anchor "
                        "(or none, for figures without an anchor)")
        return None
    return Criterion(measure, tuple(cutoffs), str(value.get("note", "")).strip())


def anchor_for(value, criterion):
    """The anchor a figure points to: 1 plus the cut-offs reached (5 minus them where lower is better)."""
    if value is None or not criterion.cutoffs:
        return None
    reached = sum(1 for c in criterion.cutoffs if value >= c)
    return 5 - reached if criterion.measure in LOWER_IS_BETTER else 1 + reached


def shown_share(value, cutoffs=()):
    """A share in whole percent, rounded half up; more decimals where rounding would cross a cut-off.

    179 of 200 is 89.5%, anchor 4 ("70-89%"): shown "89.5%", never "90%" beside anchor 4.
    """
    if value is None:
        return "–"
    return f"{fewest_places(value, lambda figure: sum(1 for c in cutoffs if figure >= c), (0, 1, 2))}%"


def default_window(visit_date):
    """The 12 months before the visit, the visit day included."""
    return Window(add_months(visit_date, -WINDOW_MONTHS), visit_date)


def band_labels(cutoffs):
    """'<= 8', '9-10', '11-12', '13-15', '>= 16' for whole-number cut-offs [9, 11, 13, 16]."""
    labels = [f"<= {cutoffs[0] - 1}"]
    labels += [f"{low}-{high - 1}" for low, high in zip(cutoffs, cutoffs[1:])]
    return labels + [f">= {cutoffs[-1]}"]


def session_size(item, criterion, sizes):
    """Item 1 from {session id: attendees} of the unit's sessions in the window (an individual session: 1)."""
    cutoffs = criterion.cutoffs
    bands = [0] * (len(cutoffs) + 1)
    for n in sizes.values():
        bands[sum(1 for c in cutoffs if n >= c)] += 1
    largest = max(sizes.values()) if sizes else None
    rows = tuple(sorted(sid for sid, n in sizes.items() if n == largest)) if sizes else ()
    details = {"sessions": len(sizes), "bands": list(zip(band_labels(cutoffs), bands)) if cutoffs else []}
    return Evidence(item, criterion.measure, largest, anchor_for(largest, criterion), details, rows)


def long_enough(offered, first, last):
    """6 months of weekly sessions or the equivalent: 24 offered, the first and last at least 168 days apart."""
    return offered >= MIN_SESSIONS and (last - first).days >= MIN_SPAN_DAYS


def received_program(person, sessions, visit_date):
    """Whether a participant received 6 months of weekly sessions or the equivalent by the visit (or their end)."""
    days = [s.session_date for s in offered_sessions(person, sessions, Window(person.start_date, visit_date))]
    return bool(days) and long_enough(len(days), min(days), max(days))


def program_length(item, criterion, people, sessions, window, visit_date):
    """Item 2: people are Enrolments of the unit, sessions every SessionHeld of the unit up to the visit."""
    return program_share(item, criterion, people, lambda p: received_program(p, sessions, visit_date), window,
                         visit_date)


def program_share(item, criterion, people, received, window, visit_date):
    """Item 2 given `received(person)`: among those enrolled in the window who started 182+ days before the visit."""
    enrolled = [p for p in people if p.start_date <= window.end and (p.end_date is None or p.end_date >= window.start)]
    latest_start = visit_date - timedelta(days=ELIGIBLE_DAYS)
    eligible = [p for p in enrolled if p.start_date <= latest_start]
    got = {p.id for p in eligible if received(p)}
    share = 100 * len(got) / len(eligible) if eligible else None
    details = {"eligible": len(eligible), "received": len(got), "too_recent": len(enrolled) - len(eligible),
               "ended_early": sum(1 for p in eligible if p.end_date and p.id not in got)}
    return Evidence(item, criterion.measure, share, anchor_for(share, criterion), details, tuple(sorted(got)))


def modules_held(sessions):
    """({module: [session ids]}, how many sessions have no module recorded) of (session id, module) pairs: what
    topics_taught reads of the window's sessions."""
    held, unrecorded = {}, 0
    for sid, module in sessions:
        if module is None:
            unrecorded += 1
        else:
            held.setdefault(module, []).append(sid)
    return held, unrecorded


def topics_taught(item, criterion, topics, modules_held, unrecorded=0):
    """Item 3: topics are (key, label, modules) from the scale file; modules_held {module: [session ids]}.

    unrecorded: sessions in the window with no module recorded; they cannot show a topic, so when they are the
    only sessions there is nothing to measure (no figure, no anchor) rather than "0 topic areas taught".
    """
    taught = [(key, label) for key, label, modules in topics if any(modules_held.get(m) for m in modules)]
    mapped = {m for _, _, modules in topics for m in modules}
    rows = tuple(sorted(sid for m, ids in modules_held.items() if m in mapped for sid in ids))
    details = {"taught": [label for _, label in taught],
               "not_taught": [label for key, label, _ in topics if key not in {k for k, _ in taught}],
               "of": len(topics), "unrecorded": unrecorded}
    value = None if unrecorded and not modules_held else len(taught)
    return Evidence(item, criterion.measure, value, anchor_for(value, criterion), details, rows)


GOAL_DEPTHS = ("no long-term goal", "a long-term goal", "broken into short-term goals",
               "a short-term goal broken into steps")  # item 6: how far a participant's goal tracking goes


def goal_depths(attenders, goals, last_day):
    """{participant id: index in GOAL_DEPTHS} of these attenders from GoalRecords set on or before last_day."""
    goals = [g for g in goals if g.date_set <= last_day]
    long_term = {g.id: g.participant_id for g in goals if g.level == LONG_TERM}
    short_term = {g.id: long_term[g.parent_id] for g in goals if g.level == "short_term" and g.parent_id in long_term}
    depths = dict.fromkeys(attenders, 0)
    for level, pids in ((1, long_term.values()), (2, short_term.values()),
                        (3, (short_term[g.parent_id] for g in goals if g.level == "step" and g.parent_id in short_term))):
        for pid in pids:
            if pid in depths:
                depths[pid] = max(depths[pid], level)
    return depths


def goal_setting(item, criterion, attenders, goals, window):
    """Item 6: attenders are participant ids who attended a session in the window; goals GoalRecords."""
    return goal_setting_figure(item, criterion, goal_depths(attenders, goals, window.end))


def goal_setting_figure(item, criterion, depths):
    """Item 6 from {attender: goal depth}: the share with a long-term goal; of those, broken down and with steps."""
    with_goal = tuple(sorted(pid for pid, depth in depths.items() if depth >= 1))
    broken, steps = (sum(1 for depth in depths.values() if depth >= n) for n in (2, 3))
    share = 100 * len(with_goal) / len(depths) if depths else None

    def of_goals(n):
        return 100 * n / len(with_goal) if with_goal else None
    details = {"attenders": len(depths), "with_goal": len(with_goal), "broken_down": broken,
               "broken_down_share": of_goals(broken), "with_steps": steps, "with_steps_share": of_goals(steps)}
    return Evidence(item, criterion.measure, share, anchor_for(share, criterion), details, with_goal)


def goal_follow_up(item, criterion, attended, goals, visit_date, review_days=REVIEW_DAYS):
    """Item 7: attended {participant id: dates of the unit's sessions they attended}; goals their GoalRecords.

    Counted: those who attended in the `review_days` before the visit; followed up as scoring.goals.followed_up
    says (reviewed in those days, or within the span of their last FOLLOW_UP_SESSIONS attended sessions).
    """
    first = visit_date - timedelta(days=review_days)
    recent = {pid: days for pid, days in attended.items() if any(first <= day <= visit_date for day in days)}
    last = {}
    for g in goals:
        for day in g.reviews:
            if g.participant_id in recent and day <= visit_date and day > last.get(g.participant_id, date.min):
                last[g.participant_id] = day
    return follow_up_figure(item, criterion, {
        pid: followed_up(last.get(pid), sessions_around(days, last.get(pid), visit_date) if pid in last else (0, 0),
                         visit_date, review_days) for pid, days in recent.items()}, review_days)


def follow_up_figure(item, criterion, outcomes, review_days=REVIEW_DAYS):
    """Item 7 from {recent attender: scoring.goals.followed_up's answer}."""
    reviewed = tuple(sorted(pid for pid, how in outcomes.items() if how))
    share = 100 * len(reviewed) / len(outcomes) if outcomes else None
    details = {"recent_attenders": len(outcomes), "reviewed": len(reviewed),
               "in_days": sum(1 for how in outcomes.values() if how == "days"),
               "by_sessions": sum(1 for how in outcomes.values() if how == "sessions"),
               "days": review_days, "sessions": FOLLOW_UP_SESSIONS}
    return Evidence(item, criterion.measure, share, anchor_for(share, criterion), details, reviewed)


def disagrees(evidence, consensus):
    """Whether the evidence's anchor and the consensus rating differ by 2 points or more (the report marks it)."""
    return evidence.anchor is not None and consensus is not None and abs(evidence.anchor - consensus) >= 2


def attenders(statuses_by_person, sessions_by_id, first, last):
    """Participant ids with an attended session dated in [first, last]; statuses {pid: {session id: status}}."""
    found = set()
    for pid, statuses in statuses_by_person.items():
        if any(status == "attended" and first <= sessions_by_id[sid].session_date <= last
               for sid, status in statuses.items() if sid in sessions_by_id):
            found.add(pid)
    return found


def attended_dates(statuses_by_person, sessions_by_id, last):
    """{participant id: dates of their attended sessions up to last}, for those with any."""
    found = {}
    for pid, statuses in statuses_by_person.items():
        days = [sessions_by_id[sid].session_date for sid, status in statuses.items()
                if status == "attended" and sid in sessions_by_id and sessions_by_id[sid].session_date <= last]
        if days:
            found[pid] = days
    return found


def window_of(visit_date, start=None, end=None):
    """The visit's stored window, or the default one where none was stored."""
    default = default_window(visit_date)
    return Window(start or default.start, end or default.end)


