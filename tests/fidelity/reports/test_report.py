"""One visit's report: the change since the previous visit of the same unit, items a format leaves out."""
from datetime import date

import pytest

from tests.fidelity.factories import GROUP_A, make_final


def test_report_shows_change_since_the_previous_visit_of_the_same_unit(app, client, auth, world):
    make_final(world.program_a, [3] * 13, visit_date=date(2025, 9, 1))
    make_final(world.program_a, [1] * 13, team=world.team_a, visit_date=date(2025, 12, 1))  # another unit
    visit = make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2))
    auth.login(world.users["manager_a"])
    data = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    assert data["previous_summary_score"] == 3.0
    assert data["change_since_previous"] == pytest.approx(54 / 13 - 3)
    assert [(i["number"], i["previous"], i["change"]) for i in data["items"][:2]] == [(1, 3, 1), (2, 3, 2)]
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-change">+1.2</div>' in page
    assert "since the visit of 2025-09-01 (3.0, Moderate fidelity)" in page


def test_it_is_individual_report_leaves_out_group_and_unattempted_items(app, client, auth, world):
    ratings = {n: 4 for n in range(1, 12)} | {14: None, 15: 2, 16: None}
    visit = make_final(world.program_a, ratings, scale_key="it_is", format="individual")
    assert visit.band == "satisfactory" and visit.summary_score == pytest.approx(46 / 12)
    auth.login(world.users["trainer"])
    data = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    assert data["items_not_applicable"] == [14, 16] and len(data["items_scored"]) == 12
    assert [i["number"] for i in data["items"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16]
    assert data["needs_work"] == [15]
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert "Left out of the score as not applicable / not attempted: items 14, 16." in page
