"""Fidelity visits in the demo state, declared as data: most programs have 2-3 final IMR Fidelity visits over
the last ~20 months (some moving between bands), a few IT-IS visits, one program not visited yet, and
one visit in draft. Item scores are drawn around each visit's target mean, deterministically for a seed.
"""
import random
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select

from fidelity.scales import catalog
from fidelity.models import Assessment, AssessmentRater, ConsensusRating, Rating
from models import Program, Team, User
from scoring.fidelity import score

# program -> [(months before today, target mean)]; "Supported housing IMR" has no visit yet.
IMR_VISITS = {
    "Outpatient IMR groups": [(19, 3.6), (12, 4.1), (5, 4.4)],  # moderate -> high
    "Young adult IMR": [(14, 3.2), (7, 3.5)],
    "IMR on ACT team North": [(18, 2.6), (11, 3.1), (4, 3.5)],  # low -> moderate
    "IMR on ACT team South": [(13, 3.2), (6, 2.7)],  # moderate -> low
    "Hospital step-down IMR": [(17, 4.3), (10, 4.5), (3, 4.6)],
    "Dual diagnosis IMR": [(15, 2.8), (8, 3.3)],
    "Rural IMR groups": [(16, 3.7), (9, 4.1), (2, 3.6)],  # high for one visit, then back
    "Peer-led IMR": [(12, 3.4)],
}
# (program, team, months before today, format, target mean)
IT_IS_VISITS = [
    ("Outpatient IMR groups", "Monday evening group", 5, "group", 3.9),
    ("Hospital step-down IMR", "Step-down individual", 3, "individual", 4.3),
    ("IMR on ACT team North", "ACT North caseload A", 4, "individual", 2.9),
]
DRAFT_VISIT = ("Peer-led IMR", 3, 6)  # program, days before today, items the first rater has rated so far
# Items that run weak (or strong) across the state, so the heatmap shows a pattern: {item: offset}.
IMR_ITEM_OFFSETS = {1: 0.6, 3: 0.4, 4: 0.5, 5: -0.9, 6: 0.2, 8: -0.3, 12: -0.7, 13: -1.0}
RATERS = ("trainer@demo.example", "admin@demo.example")


def _draw(rng, items, target, offsets):
    """Item scores around a target mean, nudged until their mean is within 0.1 of it."""
    values = {i.number: min(5, max(1, round(rng.gauss(target + offsets.get(i.number, 0), 0.6)))) for i in items}
    for _ in range(100):
        mean = sum(values.values()) / len(values)
        if abs(mean - target) <= 0.1:
            break
        step = 1 if mean < target else -1
        candidates = [n for n, v in values.items() if 1 <= v + step <= 5]
        values[rng.choice(candidates)] += step
    return values


def _ids(session, model, rows):
    result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


def _add_visit(session, rng, plan, raters, status="final", rated_items=None):
    """Insert one visit: raters' ratings (about one in ten a point off the consensus), consensus, score and band."""
    program_id, team_id, scale, fmt, visit_date, target = plan
    items = scale.items_for(fmt)
    consensus = _draw(rng, items, target, IMR_ITEM_OFFSETS if scale.key == catalog.headline_key() else {})
    for item in items:  # an optional IT-IS skill is now and then not attempted
        if item.allows_na and rng.random() < 0.3:
            consensus[item.number] = None
    result = score(scale.items, consensus, fmt, scale.summary, scale.bands)
    final = status == "final"
    done_at = datetime.combine(visit_date + timedelta(days=7), time(16, 0))
    [assessment_id] = _ids(session, Assessment, [dict(
        program_id=program_id, team_id=team_id, scale_key=scale.key, scale_version=scale.version, format=fmt,
        visit_date=visit_date, status=status, created_by_id=raters[0], created_at=done_at - timedelta(days=8),
        summary_score=result.summary if final else None, band=result.band.key if final and result.band else None,
        finalized_at=done_at if final else None, submitted_at=done_at if final else None)])
    rater_ids = _ids(session, AssessmentRater, [dict(assessment_id=assessment_id, user_id=u,
                                                     submitted_at=done_at if final else None) for u in raters])
    ratings = []
    for rater_id in rater_ids if final else rater_ids[:1]:
        for n, value in list(consensus.items())[:rated_items]:
            if value is not None and rng.random() < 0.1:
                value = min(5, max(1, value + rng.choice((-1, 1))))
            ratings.append(dict(rater_id=rater_id, item_number=n, value=value, not_applicable=value is None,
                                note=rng.choice(EVIDENCE) if rng.random() < 0.4 else None))
    if ratings:
        session.execute(insert(Rating), ratings)
    if final:
        session.execute(insert(ConsensusRating), [dict(assessment_id=assessment_id, item_number=n, value=v,
                                                       not_applicable=v is None) for n, v in consensus.items()])


EVIDENCE = ["Seen in two of the goal-tracking sheets reviewed.", "Practitioners described this in interviews.",
            "Observed in the session attended.", "Progress notes mention it for about half the sample.",
            "Program leader reports it; not seen in the charts."]


def add_demo_fidelity(session, seed, today):
    """Add the demo fidelity visits to a state built by demo.data.build_demo_state; returns how many."""
    rng = random.Random(seed * 7919 + 3)  # its own stream, so the rest of the demo state is unchanged
    programs = {name: pid for pid, name in session.execute(select(Program.id, Program.name))}
    teams = {name: tid for tid, name in session.execute(select(Team.id, Team.name))}
    users = {email: uid for uid, email in session.execute(select(User.id, User.email).where(User.email.in_(RATERS)))}
    raters = [users[e] for e in RATERS if e in users]
    if not raters:
        return 0
    imr, it_is = catalog.get_scale(catalog.headline_key(), "3-24-05"), catalog.get_scale("it_is", "2012")

    def day(months):
        return today - timedelta(days=30 * months + rng.randint(0, 12))

    count = 0
    for program, visits in IMR_VISITS.items():
        for months, target in visits:
            _add_visit(session, rng, (programs[program], None, imr, "group", day(months), target), raters)
            count += 1
    for program, team, months, fmt, target in IT_IS_VISITS:
        _add_visit(session, rng, (programs[program], teams[team], it_is, fmt, day(months), target), raters[:1])
        count += 1
    program, days, rated = DRAFT_VISIT
    _add_visit(session, rng, (programs[program], None, imr, "group", today - timedelta(days=days), 3.6),
               raters, status="draft", rated_items=rated)
    return count + 1
