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
    shown = figures.short_label("Supported housing IMR of the county (PCS)")  # as the axis shows it: cut
    widths = margins.text_width(shown) - margins.text_width("A (X)")
    assert long - short >= widths - 1  # whole pixels


def test_a_wrapped_axis_title_gets_a_line_more_room():
    assert margins.below("Latest IMR Fidelity Scale<br>score (1-5)") == margins.below("Month") + margins.TITLE_LINE
    assert margins.beside(["100"], "Engaged participants<br>(%)") == margins.beside(["100"], "%") + margins.TITLE_LINE


def test_many_participant_codes_leave_room_for_tilted_labels():
    few = figures.exposure_bars(["A1", "B2"], [80.0, 20.0], 50)["layout"]["margin"]
    many = figures.exposure_bars([f"X{i:05d}" for i in range(30)], [50.0] * 30, 50)["layout"]["margin"]
    assert few["b"] == margins.BOTTOM and many["b"] > few["b"] and many["r"] > few["r"]


NAME = "Riverside Community Mental Health Center Outpatient Illness Management and Recovery"[:76]  # 80 with " 000"


def test_long_names_are_cut_on_the_axis_and_stay_apart():
    """80-character program names left a phone's ranking no plot; cut in the middle, two names that differ only at
    their end still read apart, and the hover (the category itself) names them whole."""
    names = [f"{NAME} 000 (AAA)", f"{NAME} 010 (AAA)", "Alpha IMR (AAA)"]
    axis = figures.program_ranking(names, [70.0, 60.0, 50.0], ["low"] * 3, SCALE)["layout"]["yaxis"]
    assert axis["tickvals"] == names
    assert axis["ticktext"] == ["Riverside Commun\u2026R 000 (AAA)", "Riverside Commun\u2026R 010 (AAA)",
                                "Alpha IMR (AAA)"]
    assert all(len(t) <= figures.LABEL_CHARS for t in axis["ticktext"])
    heat = figures.modules_heatmap(names, [[1] * 11] * 3, ["m"] * 11)["layout"]
    assert heat["yaxis"]["ticktext"] == axis["ticktext"]
    assert heat["margin"]["l"] == margins.beside(axis["ticktext"], heat["yaxis"]["title"]["text"])


def test_short_names_are_left_as_they_are():
    assert "ticktext" not in figures.team_bars(["Alpha group", "Beta group"], [60.0, 40.0], 50)["layout"]["xaxis"]


def test_sixty_teams_stand_upright_under_a_plot_as_tall_as_three_teams_get():
    """60 team names along the x axis took the plot's whole height, and its axis title ran over the chart's title:
    they stand upright (Plotly's own choice came only after drawing) and the chart grows by their length."""
    few = figures.team_bars(["A", "B", "C"], [60.0, 40.0, 70.0], 50)["layout"]
    names = [f"{NAME} {i:03d}" if i % 10 == 0 else f"Team {i}" for i in range(60)]
    for fig in (figures.team_bars(names, [55.0] * 60, 50),
                figures.goal_bars(names, [50.0] * 60, [40.0] * 60, ("Goal set", "Goal reviewed"))):
        many = fig["layout"]
        assert many["xaxis"]["tickangle"] == 90
        assert many["margin"]["b"] - few["margin"]["b"] > margins.text_width("Riverside Commun\u2026and R 000")
        plot_height = lambda layout: layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]  # noqa: E731
        assert plot_height(many) == plot_height(few)
    assert figures.team_bars(names[:12], [55.0] * 12, 50)["layout"]["xaxis"]["tickangle"] == 30  # 12 fit tilted


def test_sixty_teams_heatmap_prints_on_one_page():
    """A row per team was 40 px: 60 teams made the heatmap 2,560 px high, split over three printed pages."""
    few = figures.modules_heatmap(["A", "B"], [[1] * 11] * 2, ["m"] * 11)["layout"]["height"]
    many = figures.modules_heatmap([f"Team {i}" for i in range(60)], [[1] * 11] * 60, ["m"] * 11)["layout"]["height"]
    assert few == 300 and many == 160 + 12 * 60  # rows at their thinnest, a tick label's height: Letter holds it
