"""The figure builders: titles, scope, axis labels, the 50% line, colours above and below, valid Plotly."""
import json

import plotly.graph_objects as go
import pytest

from dashboards import figures
from tests.dashboards.scale_facts import IMR


def _checked(fig):
    """Build a Figure with Plotly's validation on (the builders return plain dicts): invalid properties raise here."""
    return go.Figure(fig)


BUILDERS = {
    "team_bars": lambda: figures.team_bars(["A", "B", "C (n<5)"], [72.5, 40.0, None], 50),
    "exposure": lambda: figures.exposure_bars(["P1", "P2", "P3"], [50.0, 80.0, 10.0], 50),
    "trend": lambda: figures.trend_lines(["2026-01-01", "2026-02-01"], [40.0, None], [80.0, None], 60,
                                         [("2026-01-20", 3.6, "moderate")], IMR),
    "heatmap": lambda: figures.modules_heatmap(["A", "B"], [[1] * 11, [0] * 11], ["m"] * 11),
    "module_bars": lambda: figures.module_bars(["m"] * 11, list(range(11))),
    "ranking": lambda: figures.program_ranking(["X (AAA)", "Y (BBB)"], [70.0, 30.0], ["high", None], IMR),
    "scatter": lambda: figures.fidelity_scatter(["X (AAA)"], [4.2], [70.0], ["high"], IMR),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_figure_has_title_and_axis_labels_and_no_plotly_legend(name):
    fig = _checked(BUILDERS[name]())
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert not fig.layout.title.subtitle.text  # the scope is the page's one line above the chart
    assert fig.layout.showlegend is False and not fig.layout.annotations  # nothing drawn over the bars


def test_long_titles_wrap():
    assert figures.wrap("Exposure: share of offered sessions each participant attended", 44) == \
        "Exposure: share of offered sessions each<br>participant attended"
    title = figures.exposure_bars(["P1"], [50.0], 50)["layout"]["title"]["text"]
    assert title == "Exposure: share of offered<br>sessions each participant attended"  # a 390 px phone's chart


def _line_labels(fig):
    return {k["label"]: k["swatch"] for k in figures.legend(fig)}


def test_exposure_draws_and_labels_the_50_percent_line_and_splits_at_it():
    raw = BUILDERS["exposure"]()
    fig = _checked(raw)
    [line] = [s for s in fig.layout.shapes if s.y0 == s.y1 == 50]
    assert line.line.dash == "dash"
    assert _line_labels(raw) == {"Over the line (engaged)": "above", "At or under the line": "below",
                                 "50% line: more than this is engaged": "dash"}
    over, under = fig.data
    assert list(over.x) == ["P2", "P1", "P3"]  # highest exposure first
    assert list(over.y) == [80.0, None, None] and list(under.y) == [None, 50.0, 10.0]  # exactly 50% is under
    assert over.marker.color != under.marker.color


def test_team_bars_against_the_target_line():
    raw = BUILDERS["team_bars"]()
    fig = _checked(raw)
    assert _line_labels(raw) == {"At or above the target": "above", "Below the target": "below",
                                 "Program target 50%": "dash"}
    above, below = fig.data
    assert list(above.y) == [72.5, None, None] and list(below.y) == [None, 40.0, None]


def test_legend_lists_only_what_is_drawn():
    """No team below the target: no orange bars, and no "Below the target" entry."""
    fig = figures.team_bars(["A", "B"], [72.5, 60.0], 50)
    assert [t["name"] for t in fig["data"]] == ["At or above the target"]
    assert list(_line_labels(fig)) == ["At or above the target", "Program target 50%"]
    ranking = figures.program_ranking(["X (AAA)"], [70.0], ["high"], IMR)  # every program has had a visit
    assert [t["name"] for t in ranking["data"]] == ["High fidelity"]
    assert "No fidelity visit" not in _line_labels(ranking)


def _ranked(n):
    """n programs ranked by % engaged, best first; every third without a fidelity visit."""
    return ([f"Program {i:03d} (AG{i % 7})" for i in range(n)], [100 - 100 * i / n for i in range(n)],
            [None if i % 3 == 0 else "high" for i in range(n)])


def test_a_ranking_of_many_programs_draws_the_highest_and_lowest_and_says_how_many_are_between():
    """600 programs drew a chart 15,700 px tall that no printed page holds: it draws the 12 highest, a row saying how
    many are left out, and the 12 lowest, in rank order, each in its band's colour."""
    labels, pcts, bands = _ranked(600)
    fig = _checked(figures.program_ranking(labels, pcts, bands, IMR))
    rows = list(reversed(fig.layout.yaxis.categoryarray))  # the best at the top
    assert rows == labels[:12] + ["\u22ef 576 more programs \u22ef"] + labels[-12:]
    drawn = {y: (x, t.name) for t in fig.data for y, x in zip(t.y, t.x) if x is not None}
    assert set(drawn) == set(labels[:12] + labels[-12:])  # nothing drawn on the row between
    assert drawn[labels[0]] == (100.0, "No fidelity visit") and drawn[labels[599]] == (pcts[599], "High fidelity")
    assert fig.layout.height == 120 + 26 * 25  # fits a printed page beside its legend
    assert figures.ranking_cut(600) == (12, 12)


def test_a_ranking_of_up_to_24_programs_draws_every_one():
    labels, pcts, bands = _ranked(figures.RANKED_BARS)
    fig = _checked(figures.program_ranking(labels, pcts, bands, IMR))
    assert list(reversed(fig.layout.yaxis.categoryarray)) == labels
    assert figures.ranking_cut(24) == (24, 0) and figures.ranking_cut(25) == (12, 12)
    labels, pcts, bands = _ranked(25)
    assert "\u22ef 1 more program \u22ef" in figures.program_ranking(labels, pcts, bands, IMR)["layout"]["yaxis"][
        "categoryarray"]


def test_trend_has_fidelity_markers_on_a_second_axis():
    raw = BUILDERS["trend"]()
    fig = _checked(raw)
    visits = [t for t in fig.data if t.yaxis == "y2"]
    assert [list(v.x) for v in visits] == [["2026-01-20"]] and list(visits[0].y) == [3.6]
    assert _line_labels(raw)["IMR Fidelity Scale visit date"] == "dot" and "Program target 60%" in _line_labels(raw)


def test_modules_not_delivered_are_the_lightest_cell():
    heat = BUILDERS["heatmap"]()["data"][0]
    assert heat["colorscale"][0] == [0, "#f7fbff"]  # an explicit scale, not a name plotly.js reads its own way
    assert (heat["zmin"], heat["zmax"]) == (0, 1)  # zero sessions is white even where every module was held


def test_script_json_cannot_close_the_script_tag():
    fig = figures.exposure_bars(["</script><b>&"], [60.0], 50)
    text = figures.to_script_json(fig)
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["data"][0]["x"] == ["</script><b>&"]


def test_a_team_at_zero_percent_is_labelled_not_left_looking_barless():
    """A bar of 0% has no height: the team looked left out (as one too small for a percentage is)."""
    raw = figures.team_bars(["A", "B", "C (n<5)"], [0.0, 60.0, None], 50)
    above, below = _checked(raw).data
    assert list(below.text) == ["0%", "", ""] and below.textposition == "outside"
    assert above.text is None  # no label on a chart without a 0% bar: its page is no larger
    ranking = _checked(figures.program_ranking(["X (AAA)", "Y (BBB)"], [70.0, 0.0], ["high", "high"], IMR))
    assert list(ranking.data[0].text) == ["", "0%"]  # a program nobody engaged in is not left barless either
