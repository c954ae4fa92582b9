"""The margins a chart's tick labels and axis titles take, set before Plotly draws so automargin finds nothing to push.

Plotly's automargin measures the labels after drawing a chart and, when they reach past the margins it was
given, draws the whole chart again: every dashboard chart was drawn twice (the trend chart's first drawing took
1.6 times as long as with these margins). The figures below are what automargin arrives at in Chromium with
DejaVu Sans (Chromium's system-ui on Linux, and wider than the system fonts of Windows and macOS). Automargin
stays on for what an estimate misses (another font, labels a narrow screen tilts): that costs the second
drawing again, never an overlap.
"""
import math
from functools import lru_cache

TICK_PX = 12  # Plotly's tick label size
_NARROW, _WIDE = frozenset("ijlftrI.,:;'|!()[] ·-"), frozenset("mwMW")
PAST_LABELS = 38  # px from the plot's edge past its tick labels and a one-line axis title to the figure's edge
TITLE_LINE = 18  # px each further line of a wrapped axis title adds
BOTTOM = 53  # one line of tick labels under the plot and a one-line axis title below them
RIGHT = 20  # nothing beside the plot but half the last tick label of a numeric x axis
COLORBAR = 110  # a heatmap's colour bar with its ticks and title
PERCENT = "100"  # the widest tick label of a percentage axis


@lru_cache(maxsize=8192)  # the state overview measures its 600 program names on every request
def text_width(text, size=TICK_PX):
    """An upper estimate of the width of `text` in px (DejaVu Sans' advance widths, rounded up by kind)."""
    em = sum(0.36 if c in _NARROW else 0.98 if c in _WIDE else 0.76 if c.isupper() else 0.64 for c in text)
    return em * size


def _widest(labels):
    return max((text_width(str(label)) for label in labels), default=0)


def _further_lines(title):
    return TITLE_LINE * title.count("<br>")


def beside(labels, title=""):
    """The margin left (or right) of the plot for an axis with these tick labels and this title (<br>: wrapped)."""
    return math.ceil(_widest(labels) + PAST_LABELS + _further_lines(title))


def below(title=""):
    """The margin under the plot for one line of tick labels and this axis title."""
    return BOTTOM + _further_lines(title)


def right_of_numbers(last_tick):
    """The margin right of a plot whose x axis ends on a number: half of that tick label sticks out."""
    return max(RIGHT, math.ceil(text_width(last_tick) / 2 + 12))


def tilted(labels, room=600):
    """(extra margin below, margin right) for category labels that do not fit side by side in `room` px, which
    Plotly tilts by 30 degrees: the height they gain and how far the last one reaches past the plot.
    (0, RIGHT) when they fit: a plot narrower than `room` may tilt them anyway, and automargin makes room."""
    widest = _widest(labels)
    if len(labels) * (widest + 8) <= room:
        return 0, RIGHT
    return math.ceil(widest / 2 + 2), max(RIGHT, math.ceil(widest * math.cos(math.pi / 6) - 4))


TILTED_APART = 28  # px between the ticks of labels tilted by 30 degrees that do not overlap (two 12 px lines)


def slant(labels, room=600):
    """(angle, extra margin below, margin right) for category labels along an x axis about `room` px wide: level
    (0) when they fit side by side, 30 degrees when tilted ones do, else upright (90). Set as the axis' tickangle,
    Plotly draws what this measured rather than choosing an angle of its own after drawing."""
    taller, right = tilted(labels, room)
    if not taller:
        return 0, 0, RIGHT
    if len(labels) * TILTED_APART <= room:
        return 30, taller, right
    return 90, math.ceil(_widest(labels) + 2), RIGHT
