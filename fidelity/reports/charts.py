"""Plotly figures for fidelity: an item profile with band lines, a trend with bands shaded, an item heatmap.

Each takes plain lists and returns an HTML fragment: a placeholder and the figure as JSON, which
static/js/figures.js draws (no inline script: the Content-Security-Policy forbids it).
"""
import json
from datetime import timedelta

import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup, escape

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


def _html(fig, div_id, config=CONFIG):
    figure = '{"config":' + json.dumps(config) + "," + pio.to_json(fig, validate=False)[1:]
    # Names are user text: no "</script>" may end the JSON early.
    figure = figure.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<div class="plot" id="{escape(div_id)}"></div><script type="application/json" class="figure" '
                  f'data-target="{escape(div_id)}">{figure}</script>')


def _layout(fig, title, x_title, y_title, height=420):
    fig.update_layout(title={"text": title, "x": 0}, height=height, margin={"l": 60, "r": 20, "t": 60, "b": 60},
                      xaxis_title=x_title, yaxis_title=y_title, plot_bgcolor="#fff",
                      legend={"orientation": "h", "y": -0.25}, font={"size": 13})


PRINT_WIDTH = 660  # CSS px: fits A4 (718 px) and Letter (739 px) portrait inside the browser's default margins
PRINT_CONFIG = {**CONFIG, "responsive": False}


def item_profile(numbers, names, values, previous, bands, title, rating_range, div_id="item-profile"):
    """Bars of this visit's item scores, dots for the previous visit, a dashed line at each band edge.

    Drawn at a fixed width that prints whole on A4 and Letter portrait (a responsive chart keeps its screen
    width on paper and loses the last items); band labels sit in the right margin, clear of the bars.
    """
    labels = [str(n) for n in numbers]
    fig = go.Figure()
    fig.add_bar(x=labels, y=values, name="This visit", marker_color="#1f5f99",
                customdata=names, hovertemplate="Item %{x}: %{customdata}<br>Score %{y}<extra></extra>")
    if any(v is not None for v in previous):
        fig.add_scatter(x=labels, y=previous, mode="markers", name="Previous visit",
                        marker={"symbol": "diamond", "size": 10, "color": "#555"},
                        hovertemplate="Item %{x}, previous visit: %{y}<extra></extra>")
    for band in bands[1:]:
        fig.add_hline(y=band.low, line_dash="dash", line_color="#a61b1b" if band is bands[1] else "#1d6b36")
        fig.add_annotation(x=1.01, xref="paper", xanchor="left", y=band.low, yref="y", showarrow=False,
                           text=f"{band.label}<br>from {band.low:g}", align="left", font={"size": 11},
                           name=f"band-{band.key}")
    low, high = rating_range  # the scale file's
    _layout(fig, title, "Item number", f"Score ({low}-{high})")
    fig.update_layout(width=PRINT_WIDTH, autosize=False, margin={"l": 55, "r": 120, "t": 70, "b": 60},
                      title={"text": title, "x": 0, "font": {"size": 13}})
    fig.update_xaxes(type="category", tickmode="array", tickvals=labels, ticktext=labels)
    fig.update_yaxes(range=[low - 1, high + 0.3], dtick=1, gridcolor="#eee")
    return _html(fig, div_id, PRINT_CONFIG)


def trend(series, bands, title, div_id="fidelity-trend"):
    """Summary score over visits, one line per program or team, with the bands shaded behind."""
    fig = go.Figure()
    for band, fill in zip(bands, band_fills(bands)):
        top = band.high if band.high > band.low else band.high + 0.05
        fig.add_hrect(y0=band.low, y1=top, fillcolor=fill, opacity=0.6, line_width=0, layer="below",
                      annotation_text=band.label, annotation_position="left")
    for label, dates, scores in series:
        fig.add_scatter(x=dates, y=scores, mode="lines+markers", name=label,
                        hovertemplate=label + "<br>%{x}: %{y:.2f}<extra></extra>")
    _layout(fig, title, "Visit date", "Summary score (mean of items)")
    fig.update_yaxes(range=[bands[0].low - 0.1, bands[-1].high + 0.1], gridcolor="#eee")
    fig.update_xaxes(type="date", tickformat="%b %Y")
    dates = sorted(d for _, found, _ in series for d in found)
    if dates and (dates[-1] - dates[0]).days < 60:  # one visit: show a season around it, not hours
        fig.update_xaxes(range=[dates[0] - timedelta(days=90), dates[-1] + timedelta(days=90)])
    fig.update_layout(margin={"l": 150}, showlegend=True)  # name the line even when there is one
    return _html(fig, div_id)


def item_heatmap(program_labels, item_labels, matrix, title, rating_range, div_id="fidelity-heatmap"):
    """Items across, programs down, each cell the latest consensus score (blank: not rated or NA)."""
    text = [["" if v is None else str(v) for v in row] for row in matrix]
    low, high = rating_range  # the scale file's
    fig = go.Figure(go.Heatmap(
        z=matrix, x=item_labels, y=program_labels, zmin=low, zmax=high, text=text, texttemplate="%{text}",
        colorscale=[[0, "#c0392b"], [0.5, "#f4d03f"], [0.75, "#a9d18e"], [1, "#1d6b36"]],
        colorbar={"title": {"text": "Score"}, "tickvals": list(range(low, high + 1))}, xgap=2, ygap=2,
        hovertemplate="%{y}<br>Item %{x}: %{z}<extra></extra>"))
    _layout(fig, title, "Item", "Program", height=max(300, 60 + 34 * len(program_labels)))
    fig.update_layout(margin={"l": 240}, plot_bgcolor="#fff")
    fig.update_yaxes(autorange="reversed")
    return _html(fig, div_id)
