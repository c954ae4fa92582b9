"""The dashboards draw the headline scale's own facts: a state's version with other bands changes the charts."""
from fidelity.scales.definition import SCALES_DIR
from tests.dashboards.scenario import WINDOW
from tests.dashboards.page_text import embedded_figures, open_page, table_rows
from tests.fidelity.scale_files import four_point, state_version as _state_version


def _cut_offs(figure):
    return sorted(s["x0"] for s in figure["layout"]["shapes"] if s.get("xref") == "x")


def _legend(figure):
    return [k["label"] for k in figure["layout"]["meta"]["legend"]]


def test_shipped_scale_is_drawn_with_its_own_cut_offs(lite):
    response, body = open_page(lite, "/dashboards/state", who="trainer", **WINDOW)
    scatter = embedded_figures(body)["scatter"]
    assert _cut_offs(scatter) == [3.0, 4.0] and scatter["layout"]["xaxis"]["range"] == [1, 5.1]
    assert "Fidelity bands: Moderate fidelity from 3.0, High fidelity from 4.0" in _legend(scatter)
    assert "Latest IMR Fidelity Scale score (1-5)" in scatter["layout"]["xaxis"]["title"]["text"].replace("<br>", " ")
    assert "4.0 and above is high fidelity" in body


def test_a_state_version_with_other_bands_changes_what_the_dashboards_draw(lite, tmp_path, monkeypatch):
    _state_version(tmp_path)
    monkeypatch.setitem(lite.app.config, "FIDELITY_SCALES_DIR", str(tmp_path))
    response, body = open_page(lite, "/dashboards/state", who="trainer", **WINDOW)
    assert response.status_code == 200
    scatter, ranking = embedded_figures(body)["scatter"], embedded_figures(body)["programs"]
    assert _cut_offs(scatter) == [2.5, 3.5]
    assert "Fidelity bands: Developing from 2.5, Established from 3.5" in _legend(scatter)
    assert "State IMR Fidelity Review score" in scatter["layout"]["title"]["text"].replace("<br>", " ")
    assert "3.5 and above is established" in body and "4.0 and above" not in body
    # Alpha's visit was rated on the shipped version: it keeps that version's band, by its name, in a colour
    # of its own beside the state's three bands.
    assert table_rows(body, "scatter") == [["Alpha IMR", "AAA", "3.6", "Moderate fidelity", "42.9"]]
    [alpha] = [t for t in ranking["data"] if t["name"] == "Moderate fidelity"]
    legend = {k["label"]: k.get("colour") for k in ranking["layout"]["meta"]["legend"]}
    assert legend["Moderate fidelity"] == alpha["marker"]["color"]
    assert scatter["data"][0]["marker"]["color"] == [alpha["marker"]["color"]]


def test_trend_markers_follow_the_scale_range_and_title(lite, tmp_path, monkeypatch):
    text = four_point((SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text())  # rated 1-4
    (tmp_path / "four.toml").write_text(text.replace('version = "3-24-05"', 'version = "four-point"').replace(
        "released = 2005-03-24", "released = 2026-01-15").replace(
        'title = "IMR Fidelity Scale"', 'title = "State IMR Fidelity Review"'))
    monkeypatch.setitem(lite.app.config, "FIDELITY_SCALES_DIR", str(tmp_path))
    response, body = open_page(lite, f"/dashboards/programs/{lite.scenario.world.program_a.id}", **WINDOW)
    trend = embedded_figures(body)["trend"]
    assert trend["layout"]["yaxis2"]["range"] == [1, 4.3]
    assert "State IMR Fidelity Review visit (score, right axis)" in _legend(trend)
    assert "Diamonds mark State IMR Fidelity Review visits" in body
