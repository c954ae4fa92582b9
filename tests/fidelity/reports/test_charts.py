"""The fidelity figures are plain dicts: Plotly's validation still sees every property, and the pieces a reader
relies on (band lines and their labels, the shaded bands, the dates) are there."""
import json
import re
from datetime import date
from types import SimpleNamespace

import plotly.graph_objects as go
import pytest

from fidelity.reports import charts

BANDS = [SimpleNamespace(key=k, label=label, low=low, high=high) for k, label, low, high in
         (("low", "Low fidelity", 1.0, 2.99), ("moderate", "Moderate fidelity", 3.0, 3.99), ("high", "High", 4.0, 5.0))]


def _figure(fragment):
    return json.loads(re.search(r'class="figure"[^>]*>(.*)</script>', str(fragment), re.S).group(1))


FRAGMENTS = {
    "profile": lambda: charts.item_profile([1, 2], ["a", "b"], [3, 4], [2, None], BANDS, "Items", (1, 5)),
    "trend": lambda: charts.trend([("Team", [date(2026, 1, 5)], [3.5])], BANDS, "Trend"),
    "heatmap": lambda: charts.item_heatmap(["P"], ["1", "2"], [[3, None]], "Heatmap", (1, 5)),
}


@pytest.mark.parametrize("name", FRAGMENTS)
def test_every_figure_passes_plotlys_validation(name):
    figure = _figure(FRAGMENTS[name]())
    figure.pop("config")
    go.Figure(figure)  # raises on a misspelt or misplaced property


def test_item_profile_marks_where_each_band_above_the_lowest_starts():
    layout = _figure(FRAGMENTS["profile"]())["layout"]
    assert [(s["type"], s["y0"], s["y1"], s["xref"]) for s in layout["shapes"]] == [
        ("line", 3.0, 3.0, "x domain"), ("line", 4.0, 4.0, "x domain")]
    assert [a["text"] for a in layout["annotations"]] == ["Moderate fidelity<br>from 3.0", "High<br>from 4.0"]
    assert all(a["xref"] == "paper" and a["x"] > 1 for a in layout["annotations"])  # in the right margin


def test_trend_shades_every_band_and_shows_a_season_around_one_visit():
    layout = _figure(FRAGMENTS["trend"]())["layout"]
    assert [(s["type"], s["y0"], s["y1"]) for s in layout["shapes"]] == [
        ("rect", 1.0, 2.99), ("rect", 3.0, 3.99), ("rect", 4.0, 5.0)]
    assert [a["text"] for a in layout["annotations"]] == ["Low fidelity", "Moderate fidelity", "High"]
    assert layout["xaxis"]["range"] == ["2025-10-07", "2026-04-05"]


def _heatmap(units):
    labels = [f"AG{u % 9} · Program {u:03d}" for u in range(units)]
    return _figure(charts.item_heatmap(labels, [str(i) for i in range(1, 14)], [[1 + (u + i) % 5 for i in range(13)]
                                                                                for u in range(units)], "Items", (1, 5)))


def test_a_heatmap_of_a_few_units_names_and_writes_each_row():
    figure = _heatmap(20)
    assert figure["layout"]["height"] == 60 + 34 * 20 and figure["layout"]["yaxis"]["showticklabels"] is True
    assert figure["data"][0]["text"][0][:3] == ["1", "2", "3"]


def test_a_state_of_600_units_fits_one_printed_page_and_names_rows_when_hovered():
    """600 programs drew a heatmap 20,000 px tall: its rows now share the 20 units' height, too thin to name or
    write in; the hover still names each row and its score."""
    figure = _heatmap(600)
    heat, layout = figure["data"][0], figure["layout"]
    assert layout["height"] == 60 + 680 and layout["yaxis"]["showticklabels"] is False
    assert "text" not in heat and heat["ygap"] == 0 and len(heat["y"]) == 600
    assert heat["hovertemplate"] == "%{y}<br>Item %{x}: %{z}<extra></extra>"
    assert layout["yaxis"]["title"]["text"] == "Programs and teams (600)"
    middle = _heatmap(40)  # 17 px rows: named, too thin to write the scores in
    assert middle["layout"]["yaxis"]["showticklabels"] is True and "text" not in middle["data"][0]
    assert charts.rows_named(48) and not charts.rows_named(49)
