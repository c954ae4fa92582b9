"""Item statistics across units: each item's n, mean, SD, range and share at or above the scale's high band.

The way published fidelity studies summarise a round of visits (mean (SD) per item, % of programs scoring
4 or more). Pure: ratings are plain dicts {item: 1-5, or None for not applicable}, one per unit.
"""
from dataclasses import dataclass

from scoring.stats import mean, sd

SORT_KEYS = ("item", "n", "mean", "sd", "min", "max", "pct_high")


@dataclass(frozen=True)
class ItemStat:
    number: int
    name: str
    n: int  # units with a 1-5 rating of the item (not applicable and unrated are left out)
    mean: float | None
    sd: float | None  # sample SD (n - 1); None under two units
    min: int | None
    max: int | None
    n_high: int  # units at or above the high band's start
    pct_high: float | None  # 100 * n_high / n


def item_statistics(items, ratings_per_unit, high_from):
    """[ItemStat] per item, in scale order; `items` have number and name, `high_from` is the high band's start."""
    found = []
    for item in items:
        values = [r[item.number] for r in ratings_per_unit if r.get(item.number) is not None]
        high = sum(1 for v in values if v >= high_from)
        found.append(ItemStat(number=item.number, name=item.name, n=len(values), mean=mean(values), sd=sd(values),
                              min=min(values, default=None), max=max(values, default=None), n_high=high,
                              pct_high=100 * high / len(values) if values else None))
    return found


def sorted_statistics(stats, key="item", descending=False):
    """Statistics ordered by one column; items without a figure go last either way, ties by item number."""
    if key not in SORT_KEYS:
        key = "item"
    field = "number" if key == "item" else key
    present = [s for s in stats if getattr(s, field) is not None]
    absent = [s for s in stats if getattr(s, field) is None]
    present.sort(key=lambda s: s.number)
    present.sort(key=lambda s: getattr(s, field), reverse=descending)
    return present + absent
