"""Descriptive statistics and the one-way ANOVA, against scipy (the reference) and a published trial table."""
import random

import pytest
import scipy.special
import scipy.stats

from scoring.stats import f_survival, mean, median, one_way_anova, regularized_beta, sd

# Monroe-DeVita et al. 2018, IMR on four ACT teams: (mean, SD, n) per team, and the published F and p.
ACT_MODULES = [(4.8, 2.2, 12), (5.6, 3.3, 12), (2.1, 2.4, 15), (6.1, 4.0, 14)]
ACT_SESSIONS = [(27.3, 8.7, 12), (29.3, 13.6, 12), (14.8, 13.9, 15), (16.4, 10.7, 14)]


def shaped(m, s, n):
    """n values with exactly mean m and sample SD s."""
    z = [i - (n - 1) / 2 for i in range(n)]
    scale = sd(z)
    return [m + s * v / scale for v in z]


def test_descriptives():
    assert mean([]) is None and median([]) is None and sd([]) is None and sd([3]) is None
    assert mean([1, 2, 6]) == 3
    assert sd([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx(2.138089935)  # sample SD, n - 1
    assert median([5, 1, 3]) == 3 and median([4, 1, 3, 10]) == 3.5


@pytest.mark.parametrize("table, published_f", [(ACT_MODULES, 4.99), (ACT_SESSIONS, 5.02)])
def test_anova_reproduces_the_act_team_table(table, published_f):
    result = one_way_anova([shaped(*row) for row in table])
    assert (result.df_between, result.df_within) == (3, 49)
    # The paper's means and SDs are rounded to one decimal, so F agrees to about 0.15.
    assert result.f == pytest.approx(published_f, abs=0.15)
    assert 0.003 < result.p < 0.006  # published p = .004


@pytest.mark.parametrize("seed", range(8))
def test_anova_matches_scipy_on_act_shaped_data(seed):
    rng = random.Random(seed)
    groups = [[max(0, round(rng.gauss(m, s))) for _ in range(n)] for m, s, n in ACT_SESSIONS + ACT_MODULES[:seed % 3]]
    ours = one_way_anova(groups)
    ref = scipy.stats.f_oneway(*groups)
    assert ours.f == pytest.approx(ref.statistic, rel=1e-10)
    assert ours.p == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-15)
    assert ours.df_between == len(groups) - 1 and ours.df_within == sum(map(len, groups)) - len(groups)


def test_anova_when_it_cannot_be_computed():
    assert one_way_anova([[1, 2, 3]]) is None  # one group
    assert one_way_anova([[1, 2], []]) is None  # empty groups are ignored
    assert one_way_anova([[4], [6]]) is None  # no degrees of freedom within
    assert one_way_anova([[2, 2], [5, 5]]) is None  # no spread within groups: F undefined
    assert one_way_anova([[3, 3], [3, 3]]) is None


@pytest.mark.parametrize("a, b, x", [(0.5, 0.5, 0.3), (24.5, 1.5, 0.9), (100, 3, 0.99), (2, 200, 0.001),
                                     (1500, 2, 0.999), (1, 1, 0.5), (7.5, 0.5, 0.2)])
def test_incomplete_beta_matches_scipy(a, b, x):
    assert regularized_beta(a, b, x) == pytest.approx(scipy.special.betainc(a, b, x), rel=1e-10)


@pytest.mark.parametrize("f, d1, d2", [(0.5, 1, 10), (4.99, 3, 49), (30.0, 2, 5), (1.0, 10, 1000), (0.0, 2, 2)])
def test_f_tail_matches_scipy(f, d1, d2):
    assert f_survival(f, d1, d2) == pytest.approx(scipy.stats.f.sf(f, d1, d2), rel=1e-9)
