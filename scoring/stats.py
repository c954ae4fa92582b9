"""Descriptive statistics and the one-way ANOVA that trial reports use to compare teams.

Pure Python (no scipy at run time): the F distribution's tail comes from the regularised incomplete
beta function, evaluated by its continued fraction (Numerical Recipes, section 6.4).
"""
import math
from dataclasses import dataclass


def mean(values):
    """Arithmetic mean, or None for no values."""
    values = list(values)
    return sum(values) / len(values) if values else None


def sd(values):
    """Sample standard deviation (n - 1), or None for fewer than two values."""
    values = list(values)
    if len(values) < 2:
        return None
    m = sum(values) / len(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def median(values):
    """Middle value (mean of the two middle ones for an even count), or None for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Anova:
    f: float
    df_between: int
    df_within: int
    p: float


def one_way_anova(groups):
    """F, degrees of freedom and p of a one-way ANOVA over groups of numbers; None when it cannot be computed.

    Empty groups are ignored. It needs two groups or more, more values than groups, and some spread
    inside the groups (otherwise F is undefined).
    """
    groups = [list(g) for g in groups if len(g) > 0]
    k = len(groups)
    n = sum(len(g) for g in groups)
    if k < 2 or n - k < 1:
        return None
    grand = sum(sum(g) for g in groups) / n
    ss_between = sum(len(g) * (sum(g) / len(g) - grand) ** 2 for g in groups)
    ss_within = sum(sum((v - sum(g) / len(g)) ** 2 for v in g) for g in groups)
    if ss_within <= 0:
        return None
    df_between, df_within = k - 1, n - k
    f = (ss_between / df_between) / (ss_within / df_within)
    return Anova(f=f, df_between=df_between, df_within=df_within, p=f_survival(f, df_between, df_within))


def f_survival(f, d1, d2):
    """P(F > f) for the F distribution with (d1, d2) degrees of freedom."""
    if f <= 0:
        return 1.0
    return regularized_beta(d2 / 2, d1 / 2, d2 / (d2 + d1 * f))


def regularized_beta(a, b, x):
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    # The continued fraction converges fast only on this side; use the symmetry I_x(a,b) = 1 - I_(1-x)(b,a).
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a, b, x, max_terms=500, eps=1e-15):
    """Continued fraction for the incomplete beta function, by the modified Lentz method."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, max_terms + 1):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                          -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h
