"""Fidelity scores by a scale's rules: which items count, the summary (mean or sum), bands, needs-work, change.

Ratings are plain dicts {item number: 1-5, or None for not applicable}; an item missing from the dict is
unrated. Items are any objects with `number`, `name`, `formats` and `allows_na` (fidelity.scales.definition.Item).
Arithmetic is exact (fractions), so a mean of exactly 4.0 is in the band that starts at 4.0.
"""
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

POINTS = (1, 2, 3, 4, 5)  # the published scales' points, and a scale file's range when it names none
POINT_LIMITS = (0, 10)  # the widest rating range a scale file may declare (0-4, 1-7...); the database holds to it


@dataclass(frozen=True)
class Band:
    """A score range: from `low` (inclusive) to `high` (exclusive; the top band includes its `high`)."""

    key: str
    label: str
    low: float | int  # a float on a mean scale, an int on a sum scale (fidelity.scales.definition)
    high: float | int


def band_edge(value) -> str:
    """A band's cut-off, the same wherever it is written, never rounded: a mean's 4.0 stays 4.0 (as the instruments'
    sources write it), 3.75 stays 3.75 (not 3.8), a sum scale's 52 stays 52. repr is a float's shortest exact form
    (.15g would write 4.999999999999999 as 5, a cut-off the scale does not have)."""
    return str(value) if isinstance(value, int) else repr(float(value))


@dataclass
class Score:
    """What a set of ratings adds up to under a scale's rules."""

    summary: float | None  # the scale's summary: mean or sum of the scored items
    mean: float | None
    total: int | None  # the sum of the scored items
    scored: list = field(default_factory=list)  # item numbers that count
    not_applicable: list = field(default_factory=list)  # rated NA / not attempted, left out
    missing: list = field(default_factory=list)  # applicable items with no rating yet
    band: Band | None = None
    item_bands: dict = field(default_factory=dict)  # {item number: Band} when the scale bands items too
    rating_range: tuple = (POINTS[0], POINTS[-1])  # the scale's lowest and highest point

    @property
    def complete(self) -> bool:
        return not self.missing and bool(self.scored)

    @property
    def total_range(self) -> tuple[int, int]:
        """Lowest and highest possible sum over the scored items (13-65 for 13 items rated 1-5)."""
        return len(self.scored) * self.rating_range[0], len(self.scored) * self.rating_range[1]


def band_for(value, bands):
    """The band `value` falls in, or None when it lies outside every band."""
    if value is None:
        return None
    exact = Fraction(value)
    for index, band in enumerate(bands):
        low, high = Fraction(band.low), Fraction(band.high)
        if low <= exact < high or (index == len(bands) - 1 and exact == high):
            return band
    return None


def applicable_items(items, format):
    """Items rated for this format (group-only items drop out of individual assessments)."""
    return [item for item in items if format in item.formats]


def check_rating(item, value, not_applicable=False, rating_range=(POINTS[0], POINTS[-1])):
    """A message saying what is wrong with one item's rating, or None when it is acceptable.

    rating_range: the scale's lowest and highest point (its scale file says them).
    """
    label = f"Item {item.number} ({item.name})"
    low, high = rating_range
    if not_applicable:
        if value is not None:
            return f"{label}: give either a rating or not applicable, not both."
        if not item.allows_na:
            return f"{label}: this item must be rated {low}-{high}; not applicable is not allowed."
        return None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"{label}: {value!r} is outside the scale; choose a whole number from {low} to {high}."
    return None


def check_ratings(items, ratings, format, rating_range=(POINTS[0], POINTS[-1])):
    """Messages for every rating that breaks the scale's rules (unknown item, out of range, NA not allowed)."""
    by_number = {item.number: item for item in applicable_items(items, format)}
    all_numbers = {item.number for item in items}
    problems = []
    for number, value in sorted(ratings.items()):
        item = by_number.get(number)
        if item is None:
            where = "does not apply to the %s format" % format if number in all_numbers else "is not in this scale"
            problems.append(f"Item {number} {where}.")
            continue
        message = check_rating(item, value, not_applicable=value is None, rating_range=rating_range)
        if message:
            problems.append(message)
    return problems


def score(items, ratings, format, summary="mean", bands=(), item_bands=False, rating_range=(POINTS[0], POINTS[-1])):
    """Score ratings by the scale's rules; NA and inapplicable items are left out of mean and sum."""
    result = Score(summary=None, mean=None, total=None, rating_range=tuple(rating_range))
    values = []
    for item in applicable_items(items, format):
        if item.number not in ratings:
            result.missing.append(item.number)
        elif ratings[item.number] is None:
            result.not_applicable.append(item.number)
        else:
            result.scored.append(item.number)
            values.append(ratings[item.number])
            if item_bands:
                result.item_bands[item.number] = band_for(ratings[item.number], bands)
    if not values:
        return result
    exact_mean = Fraction(sum(values), len(values))
    result.total = sum(values)
    result.mean = float(exact_mean)
    exact_summary = exact_mean if summary == "mean" else Fraction(result.total)
    result.summary = float(exact_summary)
    result.band = band_for(exact_summary, bands)
    return result


def round_half_up(value, places=1) -> Decimal:
    """Round the way people do on paper (4.15 -> 4.2), not to even."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fewest_places(value, side, places) -> Decimal:
    """The value rounded half up to the first of `places` (decimals) that keeps side(shown) == side(value), or cut
    down to the last where none does: a figure shown never seems to cross an edge it has not crossed."""
    for p in places:
        shown = round_half_up(value, p)
        if side(shown) == side(value):
            return shown
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places[-1]), rounding=ROUND_DOWN)


def display_score(value, bands=()) -> str:
    """The score as shown: one decimal, more only where rounding would seem to cross a band edge."""
    if value is None:
        return "–"
    return str(fewest_places(value, lambda figure: band_for(figure, bands) if bands else None, (1, 2, 3)))


def needs_work(items, ratings, below):
    """Items scored under `below` (the scale's needs-work band start), in scale order: what to work on."""
    return [item for item in items if ratings.get(item.number) is not None and ratings[item.number] < below]


def item_changes(current, previous):
    """{item: (previous score, current score, change)} for items scored now; change None when not comparable."""
    changes = {}
    for number, value in current.items():
        before = previous.get(number) if previous else None
        delta = value - before if value is not None and before is not None else None
        changes[number] = (before, value, delta)
    return changes


def summary_change(current, previous):
    """Change of the summary score since the previous visit, or None."""
    if current is None or previous is None:
        return None
    return float(Fraction(current) - Fraction(previous))


def shown_change(current, previous, bands=()):
    """(current, previous, change) as shown side by side: the change is the difference of the figures shown.

    Both scores get the same number of decimals; where they would look equal but are not, two (or three)
    decimals, so a report never reads "3.5 ... -0.1 since the visit before (3.5)".
    """
    if current is None or previous is None:
        return display_score(current, bands), display_score(previous, bands), None
    own = [display_score(current, bands), display_score(previous, bands)]
    places = max(len(s.partition(".")[2]) for s in own)
    while True:
        now, before = round_half_up(current, places), round_half_up(previous, places)
        if now != before or Fraction(current) == Fraction(previous) or places >= 3:
            break
        places += 1
    change = now - before
    return str(now), str(before), ("0." + "0" * places) if not change else f"{change:+}"
