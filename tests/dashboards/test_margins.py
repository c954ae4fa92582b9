"""Margins are set from the labels a chart carries (dashboards/margins.py), so long labels get room before Plotly
draws; the browser layout test checks that Plotly finds nothing left to push."""
from dashboards import figures, margins

SCALE = {"title": "IMR Fidelity Scale", "rating_range": [1, 5], "earlier_bands": [],
         "bands": [{"key": "low", "label": "Low", "from": 1.0}, {"key": "high", "label": "High", "from": 4.0}]}


def test_text_width_runs_wider_for_wider_letters():
    assert margins.text_width("WWWW") > margins.text_width("nnnn") > margins.text_width("iiii")
    assert margins.text_width("100") > margins.text_width("5")


def test_program_names_along_the_y_axis_widen_the_left_margin():
    short = figures.program_ranking(["A (X)"], [50.0], ["low"], SCALE)["layout"]["margin"]["l"]
    long = figures.program_ranking(["Supported housing IMR of the county (PCS)", "A"], [50.0, 20.0], ["low", "high"],
                                   SCALE)["layout"]["margin"]["l"]
    widths = margins.text_width("Supported housing IMR of the county (PCS)") - margins.text_width("A (X)")
    assert long - short >= widths - 1  # whole pixels


def test_a_wrapped_axis_title_gets_a_line_more_room():
    assert margins.below("Latest IMR Fidelity Scale<br>score (1-5)") == margins.below("Month") + margins.TITLE_LINE
    assert margins.beside(["100"], "Engaged participants<br>(%)") == margins.beside(["100"], "%") + margins.TITLE_LINE


def test_many_participant_codes_leave_room_for_tilted_labels():
    few = figures.exposure_bars(["A1", "B2"], [80.0, 20.0], 50)["layout"]["margin"]
    many = figures.exposure_bars([f"X{i:05d}" for i in range(30)], [50.0] * 30, 50)["layout"]["margin"]
    assert few["b"] == margins.BOTTOM and many["b"] > few["b"] and many["r"] > few["r"]
