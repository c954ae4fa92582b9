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
    assert "since the visit of 1 Sep 2025 (3.0, Moderate fidelity)" in page


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


def test_report_shows_raters_evidence_and_the_xlsx_keeps_numbers(app, client, auth, world):
    import io

    from openpyxl import load_workbook

    from extensions import db
    from fidelity.models import Rating
    from tests.fidelity.factories import user

    trainer, admin = user(world.users["trainer"]), user(world.users["admin"])
    visit = make_final(world.program_a, GROUP_A, raters=[trainer, admin])
    for rater, value, note in ((visit.raters[0], 4, "Groups of six seen"), (visit.raters[1], 5, "Roster: 7 at most")):
        db.session.add(Rating(rater_id=rater.id, item_number=1, value=value, note=note))
    db.session.commit()
    auth.login(world.users["manager_a"])
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    evidence = page.split('data-rater-evidence="1"')[1].split("</tr>")[0]
    assert "<strong>trainer@state.example</strong> (4): Groups of six seen" in evidence
    assert "<strong>admin@state.example</strong> (5): Roster: 7 at most" in evidence
    assert 'data-rater-evidence="2"' not in page  # no notes, no evidence row
    wb = load_workbook(io.BytesIO(client.get(f"/fidelity/assessments/{visit.id}/report.xlsx").data))
    items = wb["Items"]
    assert items["C2"].value == 4 and items["C2"].number_format == "0"
    assert "admin@state.example (5): Roster: 7 at most" in items["G2"].value  # a first visit: no change columns
    summary = {row[0].value: row[1] for row in wb["Summary"].iter_rows(min_row=2)}
    score = summary["Summary score (mean of items)"]
    assert score.value == pytest.approx(54 / 13) and score.number_format == "General"  # unrounded
    assert summary["Scale"].value.startswith("IMR Fidelity Scale")


def test_visit_list_names_scales_not_keys(app, client, auth, world):
    make_final(world.program_a, {n: 4 for n in range(1, 14)} | {14: None, 15: None, 16: None}, scale_key="it_is")
    auth.login(world.users["trainer"])
    page = client.get("/fidelity/").get_data(as_text=True)
    assert "IMR Treatment Integrity Scale (IT-IS)" in page and "it is" not in page and "it_is 2012" not in page


def _final_on(version, program, values, visit_date):
    from extensions import db
    from fidelity.visits.imported import record_historical_assessment
    visit = record_historical_assessment(db.session, program=program, team=None, scale_key="imr_fidelity",
                                         scale_version=version, format="group", visit_date=visit_date,
                                         ratings=dict(enumerate(values, start=1)))
    db.session.commit()
    return visit


def test_change_only_within_a_scale_version_family(app, client, auth, world, tmp_path):
    """A state version with other bands starts a new series; one with the same items and bands continues it."""
    from fidelity.scales.definition import SCALES_DIR
    from tests.fidelity.scale_files import state_version
    state_version(tmp_path)  # other bands: not comparable
    shipped = (SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text()
    (tmp_path / "anchors.toml").write_text(shipped.replace('version = "3-24-05"', 'version = "state-anchors"')
                                           .replace("released = 2005-03-24", "released = 2025-01-01"))
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    _final_on("3-24-05", world.program_a, [3] * 13, date(2025, 9, 1))
    other = _final_on("state-2026", world.program_a, GROUP_A, date(2026, 3, 2))
    same = _final_on("state-anchors", world.program_a, GROUP_A, date(2025, 12, 1))
    auth.login(world.users["trainer"])
    report = client.get(f"/api/v1/assessments/{other.id}").get_json()["report"]
    assert report["previous_assessment_id"] is None and report["change_since_previous"] is None
    report = client.get(f"/api/v1/assessments/{same.id}").get_json()["report"]
    assert report["previous_summary_score"] == 3.0 and report["change_shown"] == "+1.2"
    page = client.get(f"/fidelity/assessments/{other.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-change">–</div>' in page
    assert "no earlier final visit of this program on this scale with the same items and bands" in page


def test_it_is_compares_a_visit_only_with_one_of_the_same_format(app, client, auth, world):
    """IT-IS rates items 12-13 only at group visits: an individual visit's change is since the team's last
    individual visit, not since a later group visit rated on other items. The IMR Fidelity Scale rates the same
    13 items in either format, so its visits compare across formats."""
    import io

    from openpyxl import load_workbook
    optional = {14: None, 15: None, 16: None}
    individual = make_final(world.program_a, {n: 3 for n in range(1, 12)} | optional, team=world.team_a,
                            scale_key="it_is", format="individual", visit_date=date(2025, 9, 1))
    make_final(world.program_a, {n: 2 for n in range(1, 14)} | optional, team=world.team_a, scale_key="it_is",
               format="group", visit_date=date(2025, 12, 1))
    visit = make_final(world.program_a, {n: 4 for n in range(1, 12)} | optional, team=world.team_a,
                       scale_key="it_is", format="individual", visit_date=date(2026, 3, 2))
    auth.login(world.users["manager_a"])
    report = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    assert report["previous_assessment_id"] == individual.id and report["change_since_previous"] == 1
    assert {(i["previous"], i["change"]) for i in report["items"] if i["number"] <= 11} == {(3, 1)}
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert "since the visit of 1 Sep 2025 (3.0, Satisfactory)" in page
    summary = {row[0].value: row[1].value
               for row in load_workbook(io.BytesIO(client.get(f"/fidelity/assessments/{visit.id}/report.xlsx")
                                                   .data))["Summary"].iter_rows(min_row=2)}
    assert summary["Previous visit"].date() == date(2025, 9, 1) and summary["Change since previous visit"] == 1
    state = client.get("/api/v1/fidelity/state?scale_key=it_is").get_json()["programs"]
    [team] = [p for p in state if p["unit"] == "Alpha group"]
    assert team["previous"]["visit_date"] == "2025-09-01" and team["change_shown"] == "+1.0"

    group = make_final(world.program_a, {n: 4 for n in range(1, 14)} | optional, scale_key="it_is",
                       format="group", visit_date=date(2026, 3, 2))  # the whole program: another unit
    make_final(world.program_a, {n: 2 for n in range(1, 12)} | optional, scale_key="it_is", format="individual",
               visit_date=date(2025, 12, 1))
    assert client.get(f"/api/v1/assessments/{group.id}").get_json()["report"]["previous_assessment_id"] is None
    page = client.get(f"/fidelity/assessments/{group.id}/report").get_data(as_text=True)
    assert "no earlier final visit of this program on this scale with the same items and bands" in page

    earlier = make_final(world.program_a, [3] * 13, format="individual", visit_date=date(2025, 9, 1))
    later = make_final(world.program_a, GROUP_A, format="group", visit_date=date(2026, 3, 2))
    assert client.get(f"/api/v1/assessments/{later.id}").get_json()["report"]["previous_assessment_id"] == earlier.id
