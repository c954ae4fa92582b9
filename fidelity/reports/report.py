"""What the report of one assessment shows: score and band, item profile, needs-work list, change since last.

Built once from the database and handed to the page, the .xlsx export and the API alike.
"""
from dataclasses import dataclass, field

from date_text import iso_moment
from fidelity import queries
from fidelity.consensus.agreement import agreement_of, rater_maps
from fidelity.scales.catalog import scale_of
from scoring.fidelity import display_score, item_changes, needs_work, score, shown_change, summary_change


@dataclass
class ItemRow:
    item: object  # fidelity.scales.definition.Item
    value: int | None
    not_applicable: bool
    band: object | None  # the item's band where the scale bands items (IT-IS)
    previous: int | None
    change: int | None
    needs_work: bool
    note: str | None
    evidence: list = field(default_factory=list)  # [(rater email, rating shown, note)] of submitted raters

    @property
    def shown(self):
        if self.not_applicable:
            return self.item.na_label or "NA"
        return "–" if self.value is None else str(self.value)


@dataclass
class Report:
    assessment: object
    scale: object
    score: object  # scoring.fidelity.Score
    shown: str
    rows: list
    needs_work: list
    previous: object | None
    previous_shown: str | None
    change: float | None  # unrounded (API)
    change_shown: str | None  # the difference of the two figures shown, at their precision
    agreement: object | None = None
    rater_maps: list = field(default_factory=list)  # [(rater, {item: value})], only once ratings are handed in

    @property
    def band(self):
        return self.score.band


def build_report(assessment):
    """Everything the report of one assessment shows."""
    scale = scale_of(assessment)
    ratings = assessment.consensus_ratings()
    result = score(scale.items, ratings, assessment.format, scale.summary, scale.bands, scale.item_bands,
                   scale.rating_range)
    previous = queries.previous_final(assessment)
    before = previous.consensus_ratings() if previous else {}
    changes = item_changes(ratings, before)
    flagged = {item.number for item in needs_work(scale.items, ratings, below=scale.needs_work_below)}
    notes = {c.item_number: c.note for c in assessment.consensus}
    rows = []
    for item in scale.items_for(assessment.format):
        value = ratings.get(item.number)
        previous_value, _, change = changes.get(item.number, (before.get(item.number), None, None))
        rows.append(ItemRow(item=item, value=value, not_applicable=item.number in ratings and value is None,
                            band=result.item_bands.get(item.number), previous=previous_value, change=change,
                            needs_work=item.number in flagged, note=notes.get(item.number)))
    maps = rater_maps(assessment)
    evidence = {}
    for rater, _ in maps:
        for rating in rater.ratings:
            if rating.note and rating.note.strip():
                shown_value = "NA" if rating.not_applicable else ("–" if rating.value is None else str(rating.value))
                evidence.setdefault(rating.item_number, []).append((rater.user.email, shown_value,
                                                                    rating.note.strip()))
    for row in rows:
        row.evidence = evidence.get(row.item.number, [])
    shown, previous_shown, change_shown = shown_change(
        result.summary, previous.summary_score if previous else None, scale.bands)
    return Report(assessment=assessment, scale=scale, score=result, shown=shown,
                  rows=rows, needs_work=[row for row in rows if row.needs_work], previous=previous,
                  previous_shown=previous_shown if previous else None,
                  change=summary_change(result.summary, previous.summary_score if previous else None),
                  change_shown=change_shown, agreement=agreement_of(maps), rater_maps=maps)


def report_json(report):
    """The report as plain JSON values (API)."""
    a, s = report.assessment, report.score
    return {
        "recommendations": a.recommendations, "summary_score": s.summary, "summary_shown": report.shown, "summary_rule": report.scale.summary,
        "mean": s.mean, "sum": s.total, "sum_range": list(s.total_range) if s.scored else None,
        "band": s.band.key if s.band else None, "band_label": s.band.label if s.band else None,
        "items_scored": s.scored, "items_not_applicable": s.not_applicable, "items_missing": s.missing,
        "needs_work": [row.item.number for row in report.needs_work],
        "previous_assessment_id": report.previous.id if report.previous else None,
        "previous_summary_score": report.previous.summary_score if report.previous else None,
        "change_since_previous": report.change, "change_shown": report.change_shown,
        "items": [{"number": row.item.number, "name": row.item.name, "value": row.value,
                   "not_applicable": row.not_applicable, "band": row.band.key if row.band else None,
                   "previous": row.previous, "change": row.change, "needs_work": row.needs_work,
                   "note": row.note, "evidence": [{"rater": who, "rating": value, "note": note}
                                                  for who, value, note in row.evidence]} for row in report.rows],
        "amendments": [{"field": "visit_date" if m.of_visit_date else "rating", "item": m.item_number,
                        "old": m.old_value, "new": m.new_value, "reason": m.reason, "by": m.actor,
                        "at": iso_moment(m.at)} for m in a.amendments],
    }
