"""Plotly figures for fidelity: an item profile with band lines, a trend with bands shaded, an item heatmap.

Each takes plain lists and returns an HTML fragment: a placeholder and the figure as JSON, which
static/js/figures.js draws (no inline script: the Content-Security-Policy forbids it). The figures are plain
dicts in Plotly's JSON schema, as in dashboards/figures.py (which says why): building them through go.Figure
(add_hline, add_hrect, update_layout) took 20 ms of the report page's 30.
"""
import json
from datetime import timedelta

from markupsafe import Markup, escape

from dashboards.figures import to_script_json, wrapped_title
from scoring.fidelity import band_edge

# Light fills from the lowest band to the highest (red, amber, green and between).
BAND_FILLS = ["#f4cccc", "#fbe3c4", "#fdf3c4", "#dcefd6", "#c4e5c9"]
CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def band_fills(bands):
    """One fill per band, spread over the palette so the lowest is red and the highest green."""
    if len(bands) == 1:
        return [BAND_FILLS[-1]]
    last = len(BAND_FILLS) - 1
    return [BAND_FILLS[round(i * last / (len(bands) - 1))] for i in range(len(bands))]


def _html(data, layout, div_id, config=CONFIG):
    # to_script_json escapes names (user text) so no "</script>" ends the JSON early; the config is ours.
    figure = '{"config":' + json.dumps(config) + "," + to_script_json({"data": data, "layout": layout})[1:]
    return Markup(f'<div class="plot" id="{escape(div_id)}"></div><script type="application/json" class="figure" '
                  f'data-target="{escape(div_id)}">{figure}</script>')


def _layout(title, x_title, y_title, height=420, top=60):
    title, extra = wrapped_title(title, size=13)
    return {"title": title, "height": height + extra, "margin": {"l": 60, "r": 20, "t": top + extra, "b": 60},
            "xaxis": {"title": {"text": x_title}}, "yaxis": {"title": {"text": y_title}}, "plot_bgcolor": "#fff",
            "legend": {"orientation": "h", "y": -0.25}, "font": {"size": 13}}


def _across(y0, y1, **style):
    """A shape spanning the plot's width from y0 to y1 (a line when they are equal)."""
    return {"type": "line" if y0 == y1 else "rect", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y",
            "y0": y0, "y1": y1, **style}


def _iso(day):
    return day.isoformat()


def item_profile(numbers, names, values, previous, bands, title, rating_range, div_id="item-profile"):
    """Bars of this visit's item scores, dots for the previous visit, a dashed line at each band edge.

    It follows its box like every chart (static/js/figures.js fits it to A4 and Letter portrait when printed);
    band labels sit in the right margin, clear of the bars.
    """
    labels = [str(n) for n in numbers]
    data = [{"type": "bar", "x": labels, "y": values, "name": "This visit", "marker": {"color": "#1f5f99"},
             "customdata": names, "hovertemplate": "Item %{x}: %{customdata}<br>Score %{y}<extra></extra>"}]
    if any(v is not None for v in previous):
        data.append({"type": "scatter", "x": labels, "y": previous, "mode": "markers", "name": "Previous visit",
                     "marker": {"symbol": "diamond", "size": 10, "color": "#555"},
                     "hovertemplate": "Item %{x}, previous visit: %{y}<extra></extra>"})
    low, high = rating_range  # the scale file's
    layout = _layout(title, "Item number", f"Score ({low}-{high})", top=70)
    layout.update(
        shapes=[_across(band.low, band.low, line={"color": "#a61b1b" if band is bands[1] else "#1d6b36", "dash": "dash"})
                for band in bands[1:]],
        annotations=[{"x": 1.01, "xref": "paper", "xanchor": "left", "y": band.low, "yref": "y", "showarrow": False,
                      "text": f"{band.label}<br>from {band_edge(band.low)}", "align": "left", "font": {"size": 11},
                      "name": f"band-{band.key}"} for band in bands[1:]],
        margin={**layout["margin"], "l": 55, "r": 120})
    layout["xaxis"].update(type="category", tickmode="array", tickvals=labels, ticktext=labels)
    layout["yaxis"].update(range=[low - 1, high + 0.3], dtick=1, gridcolor="#eee")
    return _html(data, layout, div_id)


def trend(series, bands, title, div_id="fidelity-trend"):
    """Summary score over visits, one line per program or team, with the bands shaded behind."""
    shapes, labels = [], []
    for band, fill in zip(bands, band_fills(bands)):
        top = band.high if band.high > band.low else band.high + 0.05
        shapes.append(_across(band.low, top, fillcolor=fill, opacity=0.6, line={"width": 0}, layer="below"))
        labels.append({"text": band.label, "showarrow": False, "x": 0, "xanchor": "left", "xref": "x domain",
                       "y": (band.low + top) / 2, "yanchor": "middle", "yref": "y"})
    data = [{"type": "scatter", "x": [_iso(d) for d in dates], "y": scores, "mode": "lines+markers", "name": label,
             "hovertemplate": label + "<br>%{x}: %{y:.2f}<extra></extra>"} for label, dates, scores in series]
    layout = _layout(title, "Visit date", "Summary score (mean of items)")
    layout.update(shapes=shapes, annotations=labels, showlegend=True)  # name the line even when there is one
    # At the foot of the whole figure, which Plotly grows to fit it: placed under the plot area (y -0.25), a
    # legend wrapped to more rows (a team's group and individual lines, at 390 px) covered the x-axis title.
    layout["legend"].update(yref="container", y=0, yanchor="bottom")
    layout["margin"]["l"] = 150
    layout["yaxis"].update(range=[bands[0].low - 0.1, bands[-1].high + 0.1], gridcolor="#eee")
    layout["xaxis"].update(type="date", tickformat="%b %Y")
    dates = sorted(d for _, found, _ in series for d in found)
    if dates and (dates[-1] - dates[0]).days < 60:  # one visit: show a season around it, not hours
        layout["xaxis"]["range"] = [_iso(dates[0] - timedelta(days=90)), _iso(dates[-1] + timedelta(days=90))]
    return _html(data, layout, div_id)


# A heatmap row is 34 px, named and its scores written in it, until the rows fill HEAT_PLOT px (20 units); more
# units share those px. A state's 600 programs drew a heatmap 20,000 px tall that printed across 20 pages; now
# its columns still show which items run low across the state, on one page, each row named when hovered.
HEAT_ROW, HEAT_PLOT = 34, 680
NAMED_ROW, WRITTEN_ROW = 14, 20  # px a row needs for its name on the axis (13 px text), and for its scores in it


def heat_row(units):
    """The px of one unit's row in a heatmap of this many units."""
    return min(HEAT_ROW, HEAT_PLOT / max(units, 1))


def rows_named(units):
    """Whether a heatmap of this many units names each row on its axis (else only when hovered)."""
    return heat_row(units) >= NAMED_ROW


def item_heatmap(program_labels, item_labels, matrix, title, rating_range, div_id="fidelity-heatmap"):
    """Items across, programs down, each cell the latest consensus score (blank: not rated or NA); rows thinner
    past 20 units (heat_row), unnamed and unwritten when too thin to read."""
    row = heat_row(len(program_labels))
    low, high = rating_range  # the scale file's
    data = [{"type": "heatmap", "z": matrix, "x": item_labels, "y": program_labels, "zmin": low, "zmax": high,
             "colorscale": [[0, "#c0392b"], [0.5, "#f4d03f"], [0.75, "#a9d18e"], [1, "#1d6b36"]],
             "colorbar": {"title": {"text": "Score"}, "tickvals": list(range(low, high + 1))}, "xgap": 2,
             "ygap": 2 if row >= 8 else 0, "hovertemplate": "%{y}<br>Item %{x}: %{z}<extra></extra>"}]
    if row >= WRITTEN_ROW:
        data[0].update(text=[["" if v is None else str(v) for v in r] for r in matrix], texttemplate="%{text}")
    named = rows_named(len(program_labels))
    layout = _layout(title, "Item", "Program" if named else f"Programs and teams ({len(program_labels)})",
                     height=max(300, 60 + round(row * len(program_labels))))
    layout["margin"]["l"] = 240 if named else 60
    layout["yaxis"]["showticklabels"] = named
    layout["yaxis"]["autorange"] = "reversed"
    return _html(data, layout, div_id)
