"""Plotly figures from plain lists, as plain dicts ({"data": [...], "layout": {...}}) in Plotly's JSON schema.

Neither plotly.express (~300 ms a chart) nor graph_objects: a go.Figure, even unvalidated, costs ~2 ms to
build and deep-copy back to JSON, half of a team page's time above its SQL. tests/dashboards/test_figures.py
feeds every builder's dict to go.Figure with validation on, so a misspelt property still fails there.

Every figure has a title (wrapped) and short axis titles; the scope is one line of the page above the
chart. Colours are blue (above a line) and orange (below), which colour-blind readers tell apart.
Reference lines are layout shapes (add_hline costs ~6 ms a call), named in the legend rather than by a label
drawn over the bars.

The legend is the page's, not Plotly's (layout.meta.legend, drawn by the chart macro below the plot):
Plotly's legend below a plot overlapped the x-axis title at tablet widths, since both push the bottom
margin independently. An HTML list wraps at any width and in print, and lists only what is drawn.
"""
import json

import plotly.io as pio

from dashboards import margins
from dashboards.plotly_bundle import TRACE_TYPES
from dashboards.tables import shown
from scoring.fidelity import band_edge


ABOVE, BELOW, NEUTRAL, LINE, LIGHT = "#1f5f99", "#c25e00", "#7a8591", "#1b1f24", "#8fb3d9"
NO_VISIT = "No fidelity visit"
# Fidelity bands are the headline scale's (catalog.headline_facts(): whatever bands its current version
# declares), coloured by position from orange (lowest) to blue (highest), whatever they are called.
_BAND_PALETTES = {1: (ABOVE,), 2: (BELOW, ABOVE), 3: (BELOW, LIGHT, ABOVE), 4: (BELOW, "#eaa56b", LIGHT, ABOVE),
                  5: (BELOW, "#eaa56b", "#c6d8ec", LIGHT, ABOVE)}


# The look go.Figure gave every figure (Plotly's default template), read once rather than copied per figure,
# with trace defaults only for the types drawn: the other 21 types' were half of every figure's JSON in the page.
_TEMPLATE = pio.templates[pio.templates.default].to_plotly_json()
_TEMPLATE["data"] = {kind: traces for kind, traces in _TEMPLATE["data"].items() if kind in TRACE_TYPES}


def _figure(data, layout):
    """A figure from trace and layout dicts."""
    return {"data": data, "layout": layout}


def wrap(text, width=44):
    """Text broken into <br> lines at spaces (Plotly wraps neither titles nor axis titles)."""
    lines = [""]
    for word in text.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)


def wrapped_title(text, size=16):
    """A chart title wrapped to fit a 390 px phone's chart (Plotly wraps none) and pinned to the chart's top, and
    the extra top margin its further lines take (the fidelity charts' too)."""
    text = wrap(text, 34)
    extra_lines, line = text.count("<br>"), round(size * 1.375)
    # Plotly centres a multi-line title on its anchor, so each further line needs half a line more padding.
    return ({"text": text, "x": 0, "xanchor": "left", "xref": "container", "y": 1, "yanchor": "top",
             "yref": "container", "pad": {"t": 10 + line // 2 * extra_lines, "l": 8}, "font": {"size": size}},
            line * extra_lines)


def _layout(title, x_title, y_title, height=360, **extra):
    """A layout with its titles wrapped and margins for a percentage y axis (margins.py: automargin's own)."""
    (title, taller), x_title, y_title = wrapped_title(title), wrap(x_title, 40), wrap(y_title, 24)
    return {"title": title,
            "xaxis": {"title": {"text": x_title}, "automargin": True},
            "yaxis": {"title": {"text": y_title}, "automargin": True},
            "height": height, "showlegend": False,
            "margin": {"l": margins.beside([margins.PERCENT], y_title), "r": margins.RIGHT, "t": 46 + taller,
                       "b": margins.below(x_title)},
            "font": {"family": "system-ui, sans-serif"}, **extra}


LABEL_CHARS = 28  # a category label cut to this on its axis; whole in the hover and the table view


def short_label(label, limit=LABEL_CHARS):
    """The label cut in its middle to `limit` characters: its start and its end stay, as the names of one program's
    teams often differ only at the end ("... North", "... 2", "(n<5)", an agency code)."""
    if len(label) <= limit:
        return label
    end = limit * 2 // 5
    return label[:limit - end - 1].rstrip() + "\u2026" + label[-end:].lstrip()


def category_ticks(axis, names):
    """Ticks at the full names (each its own category; the hover names it whole), shown cut to LABEL_CHARS: an
    80-character program name left a 390 px phone's ranking no room to draw. The labels as shown."""
    shown = [short_label(str(n)) for n in names]
    if shown != [str(n) for n in names]:
        axis.update(tickmode="array", tickvals=list(names), ticktext=shown)
    return shown


def _slant(layout, names):
    """Room under the plot for the team names along its x axis, tilted or upright when they do not fit side by
    side; the chart grows by as much, so its plot keeps its height (60 teams' names left it none, and its axis
    title ran over the chart's title)."""
    angle, taller, right = margins.slant(category_ticks(layout["xaxis"], names))
    if angle:
        layout["xaxis"]["tickangle"] = angle
        layout["margin"]["b"] += taller
        layout["margin"]["r"] = max(layout["margin"]["r"], right)
        layout["height"] += taller


def _hline(y, label):
    """A dashed horizontal line across the plot, named in the legend (a label on the plot covered bars)."""
    return ({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
             "line": {"color": LINE, "width": 2, "dash": "dash"}}, _key(label, "dash"))


def _vline(x, label):
    return ({"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x", "x0": x, "x1": x,
             "line": {"color": LINE, "width": 1.5, "dash": "dot"}}, _key(label, "dot"))


def _key(label, swatch, colour=None):
    """A legend entry: its words and the look of its swatch (a class of the page's stylesheet, or a colour)."""
    return {"label": label, "swatch": swatch, **({"colour": colour} if colour else {})}


def band_styles(scale):
    """{band key: (label, colour)} for a scale's facts, highest band first, then None (no visit)."""
    bands = sorted(scale["bands"] + scale["earlier_bands"], key=lambda b: b["from"])
    palette = _BAND_PALETTES.get(len(bands)) or [_BAND_PALETTES[5][round(i * 4 / (len(bands) - 1))]
                                                 for i in range(len(bands))]
    styles = {b["key"]: (b["label"], colour) for b, colour in reversed(list(zip(bands, palette)))}
    return {**styles, None: (NO_VISIT, NEUTRAL)}


def _range_text(scale):
    low, high = scale["rating_range"]
    return f"{low}-{high}"


def _lines(*pairs):
    return {"shapes": [s for s, _ in pairs]}, _unique([k for _, k in pairs])


def _unique(keys):
    seen, out = set(), []
    for k in keys:
        if k["label"] not in seen:
            seen.add(k["label"])
            out.append(k)
    return out


def _drawn(traces, keys):
    """The traces that draw something, and the legend keys of those (a trace with no values is not listed). A
    horizontal bar's values are its x: its y, the names, listed "No fidelity visit" on a ranking with none."""
    kept = [(t, k) for t, k in zip(traces, keys)
            if any(v is not None for v in (t["x"] if t.get("orientation") == "h" else t.get("y") or t.get("x") or []))]
    return [t for t, _ in kept], [k for _, k in kept if k]


def legend(fig):
    """The legend entries of a figure built here."""
    return fig["layout"].get("meta", {}).get("legend", [])


def _with_legend(data, layout, keys):
    layout["meta"] = {"legend": keys}
    return _figure(data, layout)


def _texts(values, digits=1):
    """The values as the page's tables show them (tables.shown), for a hover's %{customdata}: Plotly's own formats
    round 49.96 to "50.0" on a bar drawn below a 50% target. "" where there is no value (nothing to hover)."""
    return [shown(v, digits) if v is not None else "" for v in values]


def _zero_label(values):
    """A bar of 0% is drawn with no height, which reads as no bar (as for a team too small for a percentage): such
    bars are labelled "0%" just above the axis. A trace without one gets nothing, so its page is no larger."""
    if not any(v == 0 for v in values):
        return {}
    return {"text": ["0%" if v == 0 else "" for v in values], "textposition": "outside"}


def goal_bars(names, early, reviewed, labels):
    """Two bars per team: % with a goal set early, % with a goal reviewed lately (labels name the two)."""
    data, keys = _drawn(
        [dict(type="bar", x=names, y=early, name=labels[0], marker={"color": ABOVE}, customdata=_texts(early),
              hovertemplate="%{x}: %{customdata}%<extra></extra>"),
         dict(type="bar", x=names, y=reviewed, name=labels[1], marker={"color": LIGHT}, customdata=_texts(reviewed),
              hovertemplate="%{x}: %{customdata}%<extra></extra>")],
        [_key(labels[0], "above"), _key(labels[1], "fill", LIGHT)])
    layout = _layout("Goal tracking", "Team", "Participants (%)", barmode="group")
    layout["yaxis"]["range"] = [0, 100]
    _slant(layout, names)
    return _with_legend(data, layout, keys)


def team_bars(names, pcts, target_pct):
    """% engaged per team against the program's target; teams without a percentage get no bar."""
    hover = "%{x}: %{customdata}% engaged<extra></extra>"
    above = [p if p is not None and p >= target_pct else None for p in pcts]
    below = [p if p is not None and p < target_pct else None for p in pcts]
    data, keys = _drawn(
        [dict(type="bar", x=names, y=above, name="At or above the target", marker={"color": ABOVE},
              customdata=_texts(above), hovertemplate=hover, **_zero_label(above)),
         dict(type="bar", x=names, y=below, name="Below the target", marker={"color": BELOW},
              customdata=_texts(below), hovertemplate=hover, **_zero_label(below))],
        [_key("At or above the target", "above"), _key("Below the target", "below")])
    shapes, lines = _lines(_hline(target_pct, f"Program target {target_pct:g}%"))
    layout = _layout("Participants engaged, by team", "Team", "Engaged participants (%)", barmode="overlay",
                     **shapes)
    layout["yaxis"]["range"] = [0, 100]
    layout["xaxis"].update(categoryorder="array", categoryarray=names)
    _slant(layout, names)
    return _with_legend(data, layout, keys + lines)


def exposure_bars(codes, pcts, threshold_pct):
    """Each participant's share of offered sessions attended, highest first, with the threshold line."""
    order = sorted(range(len(codes)), key=lambda i: (-pcts[i], codes[i]))
    xs, ys = [codes[i] for i in order], [pcts[i] for i in order]
    hover = "%{x}: %{customdata}% of offered sessions<extra></extra>"
    over, under = [y if y > threshold_pct else None for y in ys], [y if y <= threshold_pct else None for y in ys]
    data, keys = _drawn(
        [dict(type="bar", x=xs, y=over, name="Over the line (engaged)", marker={"color": ABOVE},
              customdata=_texts(over), hovertemplate=hover),
         dict(type="bar", x=xs, y=under, name="At or under the line", marker={"color": BELOW},
              customdata=_texts(under), hovertemplate=hover)],
        [_key("Over the line (engaged)", "above"), _key("At or under the line", "below")])
    shapes, lines = _lines(_hline(threshold_pct, f"{threshold_pct:g}% line: more than this is engaged"))
    layout = _layout("Exposure: share of offered sessions each participant attended",
                     "Participants, highest exposure first", "Sessions attended (%)", barmode="overlay", **shapes)
    layout["yaxis"]["range"] = [0, 105]
    layout["xaxis"].update(categoryorder="array", categoryarray=xs, showticklabels=len(xs) <= 40)
    if len(xs) <= 40:
        taller, layout["margin"]["r"] = margins.tilted(xs)
        layout["margin"]["b"] += taller
    return _with_legend(data, layout, keys + lines)


def trend_lines(months, pct_engaged, pct_any, target_pct, visits, scale):
    """% engaged and % with any participation by month; fidelity visits as markers on a second axis.

    months: first days (ISO) of each month; visits: [(ISO date, score, band key)]; scale: the headline
    scale's facts (catalog.headline_facts()).
    """
    styles, title = band_styles(scale), scale["title"]
    data = [dict(type="scatter", x=months, y=pct_engaged, name="Engaged (over half of offered sessions)",
                 mode="lines+markers", line={"color": ABOVE, "width": 3}, connectgaps=False,
                 customdata=_texts(pct_engaged), hovertemplate="%{x|%b %Y}: %{customdata}% engaged<extra></extra>"),
            dict(type="scatter", x=months, y=pct_any, name="Any participation", mode="lines+markers",
                 line={"color": NEUTRAL, "dash": "dot"}, connectgaps=False, customdata=_texts(pct_any),
                 hovertemplate="%{x|%b %Y}: %{customdata}% attended at least once<extra></extra>")]
    if visits:
        data.append(dict(type="scatter", x=[v[0] for v in visits], y=[v[1] for v in visits], yaxis="y2",
                         name=f"{title} visit (score, right axis)", mode="markers+text",
                         marker={"symbol": "diamond", "size": 13, "line": {"color": LINE, "width": 1},
                                 "color": [styles.get(v[2], styles[None])[1] for v in visits]},
                         text=_texts([v[1] for v in visits], 2), textposition="top center",  # as the visits' table
                         hovertemplate="Fidelity visit %{x|%d %b %Y}: score %{text}<extra></extra>"))
    keys = [_key("Engaged (over half of offered sessions)", "engaged-line"), _key("Any participation", "any-line"),
            _key(f"{title} visit (score, right axis)", "diamond")]
    data, keys = _drawn(data, keys)
    shapes, lines = _lines(_hline(target_pct, f"Program target {target_pct:g}%"),
                           *[_vline(v[0], f"{title} visit date") for v in visits])
    layout = _layout("Engagement by month", "Month", "Participants (%)", **shapes)
    layout["yaxis"]["range"] = [0, 100]
    layout["xaxis"]["tickformat"] = "%b %Y"
    low, high = scale["rating_range"]
    layout["yaxis2"] = {"title": {"text": "Fidelity score"}, "overlaying": "y", "side": "right",
                        "range": [low, high + 0.3], "dtick": 1, "showgrid": False, "automargin": True}
    layout["margin"]["r"] = margins.beside([high])
    return _with_legend(data, layout, keys + lines)


# A heatmap row is 40 px high, thinner when a program has more than 17 teams (down to 12 px, a tick label's height),
# so that the rows take at most HEAT_ROWS px and the chart prints on one page: 60 teams made it 2,560 px high.
HEAT_ROWS = 700


def _heat_row(rows):
    return min(40, max(12, HEAT_ROWS // max(1, rows)))


def modules_heatmap(team_names, matrix, module_names):
    """Sessions held per module (columns) per team (rows): white for none, darker for more."""
    # An explicit scale from 0: the name "Blues", passed on unvalidated, reaches plotly.js reversed.
    most = max([1] + [max(row) for row in matrix])
    data = [dict(type="heatmap", z=matrix, x=[str(m) for m in range(1, len(module_names) + 1)], y=team_names,
                 colorscale=[[0, "#f7fbff"], [1, "#08306b"]], zmin=0, zmax=most, text=matrix, texttemplate="%{text}",
                 customdata=[module_names] * len(team_names),
                 hovertemplate="%{y}, module %{x} (%{customdata}): %{z} sessions<extra></extra>",
                 colorbar={"title": {"text": "Sessions"}})]
    layout = _layout("IMR modules delivered, by team", "IMR module (1-11)", "Team",
                     height=max(300, 160 + _heat_row(len(team_names)) * len(team_names)))
    layout["xaxis"]["type"] = "category"
    shown = category_ticks(layout["yaxis"], team_names)
    layout["margin"]["l"] = margins.beside(shown, layout["yaxis"]["title"]["text"])
    layout["margin"]["r"] = margins.COLORBAR
    return _with_legend(data, layout, [])


def module_bars(module_names, sessions):
    """Sessions a team held per module."""
    data = [dict(type="bar", x=[str(m) for m in range(1, len(module_names) + 1)], y=sessions,
                 marker={"color": ABOVE}, customdata=module_names, name="Sessions held",
                 hovertemplate="Module %{x} (%{customdata}): %{y} sessions<extra></extra>")]
    layout = _layout("IMR modules delivered", "IMR module (1-11)", "Sessions held")
    layout["xaxis"]["type"] = "category"
    return _with_legend(data, layout, [])


# A ranking draws at most RANKED_BARS programs: the highest and the lowest half of them, and between them a row
# saying how many are left out (the table view lists every program). The state's 600 programs drew a chart
# 15,700 px tall, its axis, line and legend under the last bar, and split across 16 printed pages; 24 bars, the
# row between and the legend fit one A4 or Letter page.
RANKED_BARS = 24


def ranking_cut(n):
    """How many of n ranked programs the ranking draws at its top and at its bottom: (n, 0) when it draws all."""
    return (n, 0) if n <= RANKED_BARS else (RANKED_BARS // 2, RANKED_BARS // 2)


def _cut_ranking(labels, pcts, bands):
    """The labels, percentages and bands of the programs ranking_cut draws, with the row between (no bar)."""
    top, bottom = ranking_cut(len(labels))
    if not bottom:
        return labels, pcts, bands
    left = len(labels) - top - bottom
    gap = f"\u22ef {left} more program{'' if left == 1 else 's'} \u22ef"  # within LABEL_CHARS; the caption says where
    drawn = [*range(top), None, *range(len(labels) - bottom, len(labels))]
    return ([gap if i is None else labels[i] for i in drawn], [None if i is None else pcts[i] for i in drawn],
            [None if i is None else bands[i] for i in drawn])


def program_ranking(labels, pcts, bands, scale):
    """Programs ranked by % engaged (best at the top), coloured by their latest fidelity band (scale: its facts);
    more than RANKED_BARS: the highest and lowest of them (ranking_cut)."""
    labels, pcts, bands = _cut_ranking(labels, pcts, bands)
    styles = band_styles(scale)
    order = [band for band in styles if band is None or band in set(bands)]
    values = {band: [p if b == band else None for p, b in zip(pcts, bands)] for band in order}
    data, keys = _drawn(
        [dict(type="bar", orientation="h", y=labels, x=values[band],
              name=styles[band][0], marker={"color": styles[band][1]}, customdata=_texts(values[band]),
              hovertemplate="%{y}: %{customdata}% engaged<extra>" + styles[band][0] + "</extra>",
              **_zero_label(values[band])) for band in order],
        [_key(styles[band][0], "fill", styles[band][1]) for band in order])
    shapes, lines = _lines(_vline(50, "50% of participants"))
    # A short x axis title: under program names cut to LABEL_CHARS, a phone's plot is narrower than the long one.
    layout = _layout("Programs ranked by participants engaged", "Engaged (%)", "Program",
                     height=max(320, 120 + 26 * len(labels)), barmode="overlay", **shapes)
    layout["xaxis"]["range"] = [0, 100]
    layout["yaxis"].update(categoryorder="array", categoryarray=list(reversed(labels)))
    layout["margin"]["l"] = margins.beside(category_ticks(layout["yaxis"], labels), layout["yaxis"]["title"]["text"])
    layout["margin"]["r"] = margins.right_of_numbers(margins.PERCENT)
    return _with_legend(data, layout, keys + lines)


def fidelity_scatter(labels, scores, pcts, bands, scale):
    """Latest headline fidelity score against % engaged, one point per program, with the bands' cut-offs."""
    styles, title = band_styles(scale), scale["title"]
    data = [dict(type="scatter", x=scores, y=pcts, text=labels, mode="markers", name="Program",
                 marker={"size": 12, "color": [styles.get(b, styles[None])[1] for b in bands],
                         "line": {"color": LINE, "width": 1}},
                 customdata=[list(pair) for pair in zip(_texts(scores, 2), _texts(pcts))],
                 hovertemplate="%{text}: fidelity %{customdata[0]}, %{customdata[1]}% engaged<extra></extra>")]
    cuts = scale["bands"][1:]  # each band above the lowest starts at a cut-off
    cut_label = "Fidelity bands: " + ", ".join(f"{b['label']} from {band_edge(b['from'])}" for b in cuts)
    shapes, lines = _lines(_hline(50, "50% of participants"), *[_vline(b["from"], cut_label) for b in cuts])
    low, high = scale["rating_range"]
    layout = _layout(f"{title} score and participants engaged", f"Latest {title} score ({_range_text(scale)})",
                     "Engaged participants (%)", **shapes)
    layout["xaxis"]["range"] = [low, high + 0.1]
    layout["yaxis"]["range"] = [0, 100]
    shown = ", ".join(styles[b][0] for b in styles if b in set(bands))
    keys = [_key(f"A program, coloured by its fidelity band ({shown})", "point")] if labels else []
    return _with_legend(data, layout, keys + lines)


def to_script_json(fig):
    """The figure, in Plotly's default template, as JSON safe inside <script type="application/json">.

    Client codes are user text, hence the escaping. The builders put only lists of str, int, float and
    None in figures, so the standard encoder does (twice as fast as plotly's own). The template, the same
    3 kB for every chart, is encoded once.
    """
    layout = _json(fig["layout"])
    return ('{"data":' + _escaped(_json(fig["data"])) + ',"layout":' + _escaped(layout[:-1]) +
            ("," if layout != "{}" else "") + '"template":' + _TEMPLATE_JSON + "}}")


def _json(value):
    return json.dumps(value, separators=(",", ":"))


def _escaped(text):
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_TEMPLATE_JSON = _escaped(_json(_TEMPLATE))
