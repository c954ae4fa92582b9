"""Agreement between raters of one visit: % exact, % within one point, and an intraclass correlation.

The ICC is ICC(2,1) in Shrout & Fleiss (1979) terms, ICC(A,1) in McGraw & Wong (1996): two-way random
effects, absolute agreement, single rater. Items are the "targets" and raters the "judges". Absolute
agreement is the right form here because the consensus score is read on the scale's own anchors: a rater
who scores every item one point higher than a colleague does not agree with them, and this ICC says so
(the consistency form, ICC(3,1), would not).

    ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)

with n items, k raters, MSR the mean square between items, MSC between raters, MSE the residual.
Only items every rater scored with a number count (not applicable and unrated items are left out).
"""
from dataclasses import dataclass, field


@dataclass
class Agreement:
    items: int  # items every rater scored
    exact: int  # items where all raters gave the same score
    within_one: int  # items where the scores are at most one point apart
    icc: float | None  # ICC(2,1); None when it cannot be computed (fewer than 2 items, or no variation)
    differing: list = field(default_factory=list)  # item numbers where raters differ (scores or NA)
    same_scores: bool = False  # every rater gave every compared item one and the same score

    @property
    def exact_pct(self) -> float | None:
        return 100.0 * self.exact / self.items if self.items else None

    @property
    def within_one_pct(self) -> float | None:
        return 100.0 * self.within_one / self.items if self.items else None

    @property
    def icc_note(self) -> str | None:
        """Why there is no ICC, in words a page shows beside "not computable"; None when there is one."""
        if self.icc is not None:
            return None
        if self.same_scores:
            return "every score is the same, so there is no variation to compare"  # 0/0: perfect, but no ratio
        # e.g. items 1, 2 rated 1, 2 and 2, 1: no spread between the items' means, and none agreed exactly
        return "these ratings give the ratio no value: too few items or no spread between items"


ICC_FORM = "ICC(2,1): two-way random effects, absolute agreement, single rater"


def icc_2_1(rows):
    """ICC(2,1) of a table: one row per item, one column per rater. None when undefined."""
    n = len(rows)
    k = len(rows[0]) if rows else 0
    if n < 2 or k < 2 or any(len(row) != k for row in rows):
        return None
    grand = sum(sum(row) for row in rows) / (n * k)
    row_means = [sum(row) / k for row in rows]
    col_means = [sum(row[j] for row in rows) / n for j in range(k)]
    ss_rows = k * sum((m - grand) ** 2 for m in row_means)
    ss_cols = n * sum((m - grand) ** 2 for m in col_means)
    ss_total = sum((x - grand) ** 2 for row in rows for x in row)
    ss_error = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    if abs(denominator) < 1e-12:
        return None  # every rating identical: agreement is perfect but the ratio is 0/0
    return (msr - mse) / denominator


def agreement(ratings_by_rater):
    """Agreement of two or more raters' ratings ({item: 1-5 or None for NA}) over the items all of them rated."""
    if len(ratings_by_rater) < 2:
        raise ValueError("agreement needs at least two raters")
    common = set.intersection(*(set(r) for r in ratings_by_rater))
    numbered = sorted(n for n in common if all(r[n] is not None for r in ratings_by_rater))
    differing = sorted(n for n in common if len({r[n] for r in ratings_by_rater}) > 1)
    rows = [[r[n] for r in ratings_by_rater] for n in numbered]
    return Agreement(
        items=len(rows),
        exact=sum(1 for row in rows if max(row) == min(row)),
        within_one=sum(1 for row in rows if max(row) - min(row) <= 1),
        icc=icc_2_1(rows),
        differing=differing,
        same_scores=len({score for row in rows for score in row}) == 1,
    )
