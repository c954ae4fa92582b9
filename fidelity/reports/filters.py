"""How fidelity templates show a score, a band and a change (filters registered by the reports blueprint)."""
from fidelity.scales.catalog import scale_keys, scale_of
from scoring.fidelity import display_score, round_half_up


def fidelity_score(assessment):
    """An assessment's summary as shown (4.2), with more decimals only where a band edge needs them."""
    return summary_figure(assessment.summary_score, assessment)


def summary_figure(value, assessment):
    """A summary score of this assessment (as it is, or was before an amendment) as its report shows one."""
    if value is None:
        return "–"
    try:
        return display_score(value, scale_of(assessment).bands)
    except KeyError:
        return display_score(value)


def fidelity_band(assessment):
    """The label of an assessment's band (High fidelity), or its key when the scale is gone."""
    if not assessment.band:
        return ""
    try:
        band = scale_of(assessment).band(assessment.band)
    except KeyError:
        band = None
    return band.label if band else assessment.band


def half_up(value, places=0):
    """A figure rounded the way people do on paper (12.5 -> 13, 3.125 -> 3.13), not Python's half to even; '–' for
    none."""
    return "–" if value is None else str(round_half_up(value, places))


def signed(change):
    """A change in points: +1, -2, 0 (no sign on zero), or a dash when there is nothing to compare."""
    if change is None:
        return "–"
    return f"{change:+d}" if change else "0"


def scale_title(key):
    """A scale's name for a key (IMR Treatment Integrity Scale (IT-IS)), never the key itself if known."""
    return scale_keys().get(key, key)


def ranges(numbers):
    """Numbers as runs: [2, 3, 4, 7] -> "2-4, 7"."""
    runs = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


FILTERS = {"fidelity_score": fidelity_score, "summary_figure": summary_figure, "fidelity_band": fidelity_band, "signed": signed, "ranges": ranges,
           "scale_title": scale_title, "half_up": half_up}
