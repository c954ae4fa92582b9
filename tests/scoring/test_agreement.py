"""Rater agreement against hand-computed values: % exact, % within one point, ICC(2,1)."""
import pytest

from scoring.agreement import agreement, icc_2_1


def test_shrout_fleiss_published_example():
    # Shrout & Fleiss (1979), Table 2: 6 targets, 4 judges; they report ICC(2,1) = .29.
    table = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    assert icc_2_1(table) == pytest.approx(0.2898, abs=5e-4)


def test_two_raters_by_hand():
    # Items 1-4, rater A = 4,3,5,2 and B = 4,4,5,3. Grand mean 3.75.
    # Item means 4, 3.5, 5, 2.5 -> SS items = 2 x 3.25 = 6.5, MS items = 6.5/3 = 2.1667.
    # Rater means 3.5, 4.0 -> SS raters = 4 x 0.125 = 0.5 = MS raters.
    # SS total = 7.5 -> SS error = 7.5 - 6.5 - 0.5 = 0.5, MS error = 0.5/3 = 0.1667.
    # ICC(2,1) = (2.1667 - 0.1667) / (2.1667 + 0.1667 + 2 x (0.5 - 0.1667) / 4) = 2 / 2.5 = 0.8
    found = agreement([{1: 4, 2: 3, 3: 5, 4: 2}, {1: 4, 2: 4, 3: 5, 4: 3}])
    assert found.icc == pytest.approx(0.8) and found.icc_note is None
    assert (found.items, found.exact, found.within_one) == (4, 2, 4)
    assert found.exact_pct == 50.0 and found.within_one_pct == 100.0
    assert found.differing == [2, 4]


def test_a_rater_one_point_higher_throughout_is_not_in_absolute_agreement():
    # A = 1,2,3,4 and B = 2,3,4,5: perfectly consistent, never equal.
    # MS items = 10/3, MS raters = 2, MS error = 0 -> ICC(2,1) = (10/3) / (10/3 + 2 x 2 / 4) = 10/13.
    found = agreement([{1: 1, 2: 2, 3: 3, 4: 4}, {1: 2, 2: 3, 3: 4, 4: 5}])
    assert found.icc == pytest.approx(10 / 13)
    assert found.exact == 0 and found.within_one == 4


def test_identical_ratings_with_no_spread_have_no_icc():
    found = agreement([{1: 4, 2: 4, 3: 4}, {1: 4, 2: 4, 3: 4}])
    assert found.icc is None  # 0/0: the ratio is undefined, agreement is shown by the percentages
    assert found.exact_pct == 100.0
    assert found.icc_note == "every score is the same, so there is no variation to compare"


def test_not_applicable_and_unrated_items_are_not_compared():
    found = agreement([{1: 3, 2: None, 3: None, 4: 5}, {1: 3, 2: None, 3: 4, 5: 2}])
    assert found.items == 1  # only item 1 has a number from both
    assert found.differing == [3]  # NA against 4 is a disagreement; item 2 (NA, NA) is not
    assert found.icc is None  # one item is too few, and its two scores are the same
    assert found.icc_note == "every score is the same, so there is no variation to compare"
    one_apart = agreement([{1: 3}, {1: 4}])
    assert one_apart.icc is None
    assert one_apart.icc_note == "these ratings give the ratio no value: too few items or no spread between items"


def test_ratings_without_spread_between_items_are_not_called_all_the_same():
    # Items 1, 2 rated 1, 2 and 2, 1: both item means 1.5, so the ICC's denominator is 0, yet no item agreed.
    found = agreement([{1: 1, 2: 2}, {1: 2, 2: 1}])
    assert found.icc is None and found.exact == 0
    assert found.icc_note == "these ratings give the ratio no value: too few items or no spread between items"


def test_three_raters():
    found = agreement([{1: 3, 2: 5}, {1: 3, 2: 4}, {1: 3, 2: 3}])
    assert (found.exact, found.within_one) == (1, 1)  # item 2 spans 3-5


def test_needs_two_raters():
    with pytest.raises(ValueError):
        agreement([{1: 3}])
