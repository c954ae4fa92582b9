"""Agreement between raters, shown beside consensus, on the visit page and in the report.

Raters' ratings stay hidden until they are handed in, so that each rater rates independently.
"""
from scoring.agreement import ICC_FORM, agreement


def rater_maps(assessment):
    """[(rater, {item: value})] of raters who submitted: hidden while others still rate, for independence."""
    if assessment.status == "draft":
        return []
    return [(r, r.rating_map()) for r in assessment.raters if r.submitted_at]


def agreement_of(maps):
    """Agreement of the submitted raters, or None with fewer than two or no item scored by all."""
    found = agreement([m for _, m in maps]) if len(maps) >= 2 else None
    return found if found and found.items else None


def agreement_json(found):
    if found is None:
        return None
    return {"items_compared": found.items, "exact": found.exact, "exact_pct": found.exact_pct,
            "within_one": found.within_one, "within_one_pct": found.within_one_pct, "icc": found.icc,
            "icc_form": ICC_FORM, "icc_note": found.icc_note,
            "differing_items": found.differing}
