"""The state view: units kept apart, changes at the precision shown, item statistics on page, API and .xlsx."""
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.factories import make_program
from tests.fidelity.factories import BOTH_DATABASES, make_final

# Six programs' consensus scores of IMR Fidelity items 1-3 (items 4-13 are all 3).
SIX = {"item1": [5, 4, 3, 4, 5, 2], "item2": [1, 2, 2, 3, 3, 4], "item3": [4, 4, 4, 4, 4, 4]}
# Worked by hand: item 1 sum 23, mean 23/6; squared deviations sum 41/6, /5 = 1.3667, SD 1.16905; 4 of 6 >= 4.
# Item 2: mean 2.5, squared deviations 5.5, /5 = 1.1, SD 1.04881; 1 of 6 >= 4. Item 3: 4.0, SD 0, 6 of 6.
EXPECTED = {1: (3.833333, 1.169045, 2, 5, 66.666667), 2: (2.5, 1.048809, 1, 4, 16.666667),
            3: (4.0, 0.0, 4, 4, 100.0), 4: (3.0, 0.0, 3, 3, 0.0)}


@BOTH_DATABASES
def test_program_and_team_visits_are_separate_units(app, client, auth, world):
    make_final(world.program_a, [3] * 10 + [4] * 3, visit_date=date(2025, 6, 1))  # 3.23, whole program
    make_final(world.program_a, [4] * 4 + [3] * 9, visit_date=date(2025, 12, 1))  # 3.31, whole program
    team_visit = make_final(world.program_a, [5] * 13, team=world.team_a, visit_date=date(2026, 3, 2))
    auth.login(world.users["trainer"])
    data = client.get("/api/v1/fidelity/state").get_json()["programs"]
    alpha = [(p["unit"], p["latest"]["summary_score"], p["previous"] and p["previous"]["visit_date"],
              p["change_shown"]) for p in data if p["program"]["name"] == "Alpha IMR"]
    assert alpha == [("Whole program", pytest.approx(43 / 13), "2025-06-01", "+0.1"),
                     ("Alpha group", 5.0, None, None)]
    page = client.get("/fidelity/state").get_data(as_text=True)
    assert page.count('data-program="Alpha IMR"') == 2
    assert 'data-unit="Whole program"' in page and 'data-unit="Alpha group"' in page
    team_row = page.split('data-unit="Alpha group"')[1].split("</tr>")[0]
    assert ">5.0<" in team_row and '<td class="num change">–</td>' in team_row
    assert "Team: <a" in team_row
    heatmap = page.split('data-target="fidelity-heatmap">')[1].split("</script>")[0]
    rows = json.loads(heatmap)["data"][0]["y"]
    assert [r for r in rows if "Alpha" in r] == ["AAA · Alpha IMR", "AAA · Alpha IMR · Alpha group"]
    report = client.get(f"/api/v1/assessments/{team_visit.id}").get_json()["report"]
    assert report["previous_assessment_id"] is None and report["change_since_previous"] is None


def test_change_is_the_difference_of_the_figures_shown(app, client, auth, world):
    make_final(world.program_a, [4] * 7 + [3] * 6, visit_date=date(2026, 1, 5))  # 46/13 = 3.538
    visit = make_final(world.program_a, [4] * 6 + [3] * 7, visit_date=date(2026, 4, 22))  # 45/13 = 3.462
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-change">-0.08</div>' in page
    assert '<div class="figure" id="summary-score">3.46</div>' in page
    assert "since the visit of 5 Jan 2026 (3.54, Moderate fidelity)" in page
    data = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    assert data["change_since_previous"] == pytest.approx(-1 / 13) and data["change_shown"] == "-0.08"


def _six_programs(world):
    programs = [world.program_a, world.program_b] + [make_program(world.agency_a, f"Program {n}") for n in range(3, 7)]
    for index, program in enumerate(programs):
        values = [SIX["item1"][index], SIX["item2"][index], SIX["item3"][index]] + [3] * 10
        make_final(program, values, visit_date=date(2026, 2, 1 + index))
    make_final(programs[0], [1] * 13, visit_date=date(2025, 5, 1))  # earlier visit: not the latest, not counted
    return programs


@BOTH_DATABASES
def test_item_statistics_match_the_hand_computed_table(app, client, auth, world):
    _six_programs(world)
    auth.login(world.users["trainer"])
    data = client.get("/api/v1/fidelity/state?start=2025-06-01").get_json()
    (table,) = data["item_statistics"]
    assert table["scale_version"] == "3-24-05" and len(table["assessment_ids"]) == 6
    items = {i["number"]: i for i in table["items"]}
    for number, (mean, sd, low, high, pct) in EXPECTED.items():
        got = items[number]
        assert got["n"] == 6 and (got["min"], got["max"]) == (low, high)
        assert got["mean"] == pytest.approx(mean, abs=1e-6) and got["sd"] == pytest.approx(sd, abs=1e-6)
        assert got["pct_high"] == pytest.approx(pct, abs=1e-6)
    early = client.get("/api/v1/fidelity/state?end=2025-12-31").get_json()["item_statistics"][0]["items"][0]
    assert (early["n"], early["mean"], early["sd"]) == (1, 1.0, None)  # only the 2025 visit is in that window
    response = client.get("/api/v1/fidelity/state?start=2026-13-01")
    assert response.status_code == 400 and "'2026-13-01' is not a date" in response.get_data(as_text=True)


def test_item_statistics_page_sorts_and_downloads_numbers(app, client, auth, world):
    _six_programs(world)
    auth.login(world.users["trainer"])
    page = client.get("/fidelity/state?start=2025-06-01").get_data(as_text=True)
    row1 = page.split('<tr data-item="1">')[1].split("</tr>")[0]
    assert ">3.83<" in row1 and ">1.17<" in row1 and ">67%<" in row1
    by_mean = client.get("/fidelity/state?start=2025-06-01&sort=mean&desc=0").get_data(as_text=True)
    order = [int(part.split('"')[0]) for part in by_mean.split('<tr data-item="')[1:]]
    assert order[:2] == [2, 4] and order[-1] == 3  # item 2 weakest (2.50), then the 3.00 items; item 3 highest
    bad = client.get("/fidelity/state?end=someday").get_data(as_text=True)
    assert "Window end &#39;someday&#39; is not a date" in bad
    response = client.get("/fidelity/state.xlsx?start=2025-06-01")
    wb = load_workbook(io.BytesIO(response.data))
    stats = wb["Item statistics"]
    assert [c.value for c in stats[1]][4:7] == ["Units rated", "Mean", "SD (sample)"]
    mean, sd, share = stats["F2"], stats["G2"], stats["J2"]
    assert mean.value == pytest.approx(23 / 6) and mean.number_format == "0.00"
    assert sd.value == pytest.approx(1.169045, abs=1e-6) and share.number_format == "0.0%"
    units = wb["Units"]
    assert units["F2"].number_format == "0.00" and isinstance(units["F2"].value, float)


def test_program_history_shows_each_item_over_its_visits(app, client, auth, world):
    make_final(world.program_a, [2] * 13, visit_date=date(2025, 6, 1))
    make_final(world.program_a, [3] + [4] * 12, team=world.team_a, visit_date=date(2025, 9, 1))
    make_final(world.program_a, [5] * 13, visit_date=date(2026, 3, 2))
    auth.login(world.users["trainer"])
    make_final(world.program_a, [1] + [4] * 12, team=world.team_a, visit_date=date(2026, 1, 5))
    page = client.get(f"/fidelity/programs/{world.program_a.id}/history").get_data(as_text=True)
    tables = page.split('<table class="trajectory"')[1:]
    assert len(tables) == 2  # program visits and the team's visits apart, as in the report
    seen = {}
    for table in tables:
        caption = table.split("<caption>")[1].split("</caption>")[0]
        header = table.split("<thead>")[1].split("</thead>")[0]
        row = table.split('<tr data-item="1">')[1].split("</tr>")[0]
        seen[caption] = ([d.split("<")[0] for d in header.split('<th class="num date">')[1:]],  # a day each
                         [v.split("<")[0] for v in row.split('<td class="num">')[2:]])
    assert list(seen) == ["Whole program: 2 final visits", f"Team {world.team_a.name}: 2 final visits"]
    assert seen["Whole program: 2 final visits"] == (["1 Jun 2025", "2 Mar 2026"], ["2", "5"])
    assert seen[f"Team {world.team_a.name}: 2 final visits"] == (["1 Sep 2025", "5 Jan 2026"], ["3", "1"])


def test_item_statistics_are_per_scale_version_with_its_own_high_band(app, client, auth, world, tmp_path):
    from extensions import db
    from fidelity.visits.imported import record_historical_assessment
    from tests.fidelity.scale_files import state_version
    state_version(tmp_path)  # "established" is high, from 3.5
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    _six_programs(world)
    record_historical_assessment(db.session, program=world.program_b, team=None, scale_key="imr_fidelity",
                                 scale_version="state-2026", format="group", visit_date=date(2026, 3, 1),
                                 ratings=dict(enumerate([4] + [3] * 12, start=1)))
    db.session.commit()
    make_final(world.program_a, dict(enumerate([4] * 13, start=1)) | {14: None, 15: None, 16: None},
               scale_key="it_is", visit_date=date(2026, 3, 1))
    auth.login(world.users["trainer"])
    tables = client.get("/api/v1/fidelity/state?start=2025-06-01").get_json()["item_statistics"]
    assert [(t["scale_version"], t["high_from"], len(t["assessment_ids"])) for t in tables] == [
        ("state-2026", 3.5, 1), ("3-24-05", 4.0, 5)]  # program B's latest visit is on the state's version
    state_item_2 = tables[0]["items"][1]
    assert (state_item_2["n"], state_item_2["mean"], state_item_2["pct_high"]) == (1, 3.0, 0.0)
    it_is = client.get("/api/v1/fidelity/state?start=2025-06-01&scale_key=it_is").get_json()
    assert it_is["scale"] == "IMR Treatment Integrity Scale (IT-IS)" and [t["scale_version"] for t in it_is["item_statistics"]] == ["2012"]
    assert it_is["item_statistics"][0]["items"][0]["pct_high"] == 100.0
