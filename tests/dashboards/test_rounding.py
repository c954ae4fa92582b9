"""Numbers rounded for reading never land on the other side of the line they are read against."""
from dashboards import figures
from dashboards.tables import Table, cell_text, rows_html
from tests.dashboards.scale_facts import IMR


def test_a_share_just_under_or_over_a_line_is_not_shown_on_it():
    """49.96% engaged against a 50% target was shown as "50%" on an orange (below the target) bar; a fidelity score
    of 3.996 against "4.0 and above is high" was shown as "4"."""
    assert cell_text(49.96) == "49.96" and cell_text(50.04) == "50.04"
    assert cell_text(100 * 124_999 / 250_000) == "49.9996"  # a state's 250,000 participants
    assert cell_text(3.996, 2) == "3.996" and cell_text(99.97) == "99.97" and cell_text(0.04) == "0.04"
    # everything else keeps its rounding
    assert [cell_text(v) for v in (50.0, 40.0, 42.857, 33.333, 1.23)] == ["50", "40", "42.9", "33.3", "1.2"]
    table = Table("teams", "Engagement by team", ["Team", "Engaged (%)"], [["North", 49.96], ["South", 50.0]])
    assert '<td class="num">49.96</td>' in rows_html(table) and '<td class="num">50</td>' in rows_html(table)


def test_a_fidelity_marker_just_under_a_band_is_not_labelled_as_in_it():
    figure = figures.trend_lines(["2026-01-01"], [60.0], [80.0], 50, [("2026-01-10", 3.96, "moderate")], IMR)
    assert figure["data"][-1]["text"] == ["3.96"]
