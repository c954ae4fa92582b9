"""Fidelity scoring as pure tables: the published worked example, band edges, NA and format rules."""
import subprocess
import sys
from pathlib import Path

import pytest

from fidelity.scales.definition import SCALES_DIR, load_file
from scoring.fidelity import (Band, band_edge, band_for, check_ratings, display_score, item_changes, needs_work, score,
                              summary_change)

IMR = load_file(SCALES_DIR / "imr_fidelity-3-24-05.toml")
IT_IS = load_file(SCALES_DIR / "it_is-2012.toml")
GROUP_A = [4, 5, 5, 5, 3, 5, 5, 5, 5, 5, 3, 2, 2]  # Roosenschoon et al. 2016, Table 4, group A


def imr(values):
    return dict(enumerate(values, start=1))


def imr_score(values):
    return score(IMR.items, imr(values), "group", IMR.summary, IMR.bands)


def test_worked_example_group_a():
    result = imr_score(GROUP_A)
    assert result.mean == pytest.approx(4.153846, abs=1e-6)  # 54 / 13
    assert result.total == 54 and result.total_range == (13, 65)
    assert display_score(result.summary, IMR.bands) == "4.2"  # the published group mean
    assert result.band.key == "high" and result.band.label == "High fidelity"
    assert result.complete


@pytest.mark.parametrize("values, mean, band", [
    ([3] * 13, 3.0, "moderate"),  # exactly on the lower edge of moderate
    ([4] * 13, 4.0, "high"),  # exactly on the lower edge of high
    ([3] * 12 + [2], 38 / 13, "low"),  # 2.92: just under 3
    ([4] * 12 + [3], 51 / 13, "moderate"),  # 3.92: just under 4
    ([5] * 13, 5.0, "high"),  # the top edge belongs to the top band
    ([1] * 13, 1.0, "low"),
])
def test_imr_band_edges(values, mean, band):
    result = imr_score(values)
    assert result.mean == pytest.approx(mean)
    assert result.band.key == band


@pytest.mark.parametrize("value, expected", [
    (1.0, "unsatisfactory"), (1.99, "unsatisfactory"), (2.0, "needs_improvement"), (2.99, "needs_improvement"),
    (3.0, "satisfactory"), (3.99, "satisfactory"), (3.999, "satisfactory"), (4.0, "very_good"), (4.99, "very_good"),
    (5.0, "excellent"), (5.01, None), (0.5, None),
])
def test_it_is_bands(value, expected):
    found = band_for(value, IT_IS.bands)
    assert (found.key if found else None) == expected


@pytest.mark.parametrize("value, shown", [(1.99, "1.99"), (2.0, "2.0"), (2.99, "2.99"), (3.99, "3.99"), (4.0, "4.0"),
                                          (4.99, "4.99"), (5.0, "5.0"), (63 / 16, "3.9"), (79 / 16, "4.9")])
def test_it_is_means_shown_stay_in_their_band(value, shown):
    # A mean of 4.99 shown as "5.0" would read excellent: every IT-IS band edge keeps its side when shown.
    assert display_score(value, IT_IS.bands) == shown
    assert band_for(float(shown), IT_IS.bands) == band_for(value, IT_IS.bands)


def test_it_is_individual_leaves_out_group_items_and_items_not_attempted():
    ratings = {n: 4 for n in range(1, 12)}  # the 11 items always rated
    ratings.update({14: None, 15: 2, 16: None})  # coping and medication skills not attempted
    result = score(IT_IS.items, ratings, "individual", IT_IS.summary, IT_IS.bands, IT_IS.item_bands)
    assert result.missing == []  # items 12-13 (groups only) are not asked for
    assert result.not_applicable == [14, 16]
    assert len(result.scored) == 12
    assert result.mean == pytest.approx((11 * 4 + 2) / 12)  # 3.83
    assert result.band.key == "satisfactory"
    assert result.item_bands[15].key == "needs_improvement" and result.item_bands[1].key == "very_good"


def test_it_is_group_needs_group_items():
    ratings = {n: 4 for n in range(1, 12)} | {14: 4, 15: 4, 16: 4}
    result = score(IT_IS.items, ratings, "group", IT_IS.summary, IT_IS.bands)
    assert result.missing == [12, 13] and not result.complete


def test_unrated_items_are_missing_not_scored():
    ratings = imr(GROUP_A)
    del ratings[7]
    result = score(IMR.items, ratings, "group", IMR.summary, IMR.bands)
    assert result.missing == [7] and not result.complete
    assert result.total == 54 - 5


@pytest.mark.parametrize("scale, fmt, ratings, message", [
    (IMR, "group", {3: 6}, "Item 3 (Comprehensiveness of the curriculum): 6 is outside the scale"),
    (IMR, "group", {3: 0}, "0 is outside the scale"),
    (IMR, "group", {2: None}, "Item 2 (Program length): this item must be rated 1-5; not applicable is not allowed"),
    (IT_IS, "individual", {12: 4}, "Item 12 does not apply to the individual format"),
    (IMR, "group", {14: 3}, "Item 14 is not in this scale"),
])
def test_bad_ratings_are_named(scale, fmt, ratings, message):
    problems = check_ratings(scale.items, ratings, fmt)
    assert len(problems) == 1 and message in problems[0]


def test_not_attempted_is_allowed_only_on_optional_items():
    assert check_ratings(IT_IS.items, {14: None, 15: None, 16: None}, "group") == []
    assert len(check_ratings(IT_IS.items, {1: None}, "group")) == 1


def test_needs_work_lists_items_under_4_in_scale_order():
    assert [item.number for item in needs_work(IMR.items, imr(GROUP_A), IMR.needs_work_below)] == [5, 11, 12, 13]


def test_change_since_previous_visit():
    before = imr([3] * 13)
    changes = item_changes(imr(GROUP_A), before)
    assert changes[1] == (3, 4, 1) and changes[12] == (3, 2, -1)
    assert item_changes({1: 4, 2: None}, {}) == {1: (None, 4, None), 2: (None, None, None)}
    assert summary_change(54 / 13, 3.0) == pytest.approx(1.1538, abs=1e-4)
    assert summary_change(4.0, None) is None


@pytest.mark.parametrize("value, shown", [
    (54 / 13, "4.2"),
    (4.25, "4.3"),  # half up, as on paper (Python's round() would give 4.2)
    (3.96, "3.96"),  # "4.0" would claim high fidelity for a moderate score
    (2.95, "2.95"),  # "3.0" would claim moderate for a low score
    (3.99999, "3.999"),  # cut down, never rounded up onto the edge
    (3.0, "3.0"),
    (None, "–"),
])
def test_display_never_crosses_a_band_edge(value, shown):
    assert display_score(value, IMR.bands) == shown


def test_top_band_includes_its_upper_edge_only():
    bands = (Band("low", "Low", 1, 3), Band("high", "High", 3, 5))
    assert band_for(5, bands).key == "high" and band_for(3, bands).key == "high" and band_for(5.5, bands) is None


def test_scoring_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys, scoring.fidelity, scoring.agreement; "
            "print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("declared, written", [(3.75, "3.75"), (4.0, "4.0"), (4, "4"), (52, "52"), (2.5, "2.5"),
                                               (3.125, "3.125"), (4.999999999999999, "4.999999999999999")])
def test_a_band_edge_is_written_as_declared_never_rounded(declared, written):
    assert band_edge(declared) == written
