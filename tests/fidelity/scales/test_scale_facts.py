"""Scale facts declared once: rating range, high and needs-work bands, headline role; the missing-anchor note."""
import re
from datetime import date

import pytest

from sqlalchemy import func, select

from extensions import db
from fidelity.models import Rating
from fidelity.scales import catalog
from fidelity.scales.definition import SCALES_DIR, ScaleError, load_file
from tests.fidelity.factories import make_final, make_visit, user
from tests.fidelity.scale_files import four_point

IMR_FILE = SCALES_DIR / "imr_fidelity-3-24-05.toml"


def test_each_scale_file_declares_its_facts(app):
    imr, it_is = catalog.get_scale("imr_fidelity"), catalog.get_scale("it_is")
    assert catalog.headline_key() == "imr_fidelity"
    assert (imr.rating_range, imr.high_band, imr.high_from, imr.needs_work_below) == ((1, 5), "high", 4.0, 4.0)
    assert (it_is.high_band, it_is.high_from, it_is.needs_work_below, it_is.headline) == ("very_good", 4.0, 3.0,
                                                                                          False)


@pytest.mark.parametrize("line, message", [
    ('high_band = "top"', "high_band: 'top' is not one of the bands (low, moderate, high)"),
    ("rating_range = [0, 11]", "rating_range: give the lowest and highest point within 0-10"),
    ('headline = "yes"', "headline: use true or false"),
])
def test_a_wrong_fact_is_named(tmp_path, line, message):
    name = line.split(" ")[0]
    text = re.sub(rf"^{name} = .*$", line, IMR_FILE.read_text(), count=1, flags=re.M)
    (tmp_path / "state.toml").write_text(text)
    with pytest.raises(ScaleError, match=re.escape(message)):
        load_file(tmp_path / "state.toml")


def test_it_is_needs_work_follows_its_own_bands(app, client, auth, world):
    ratings = {n: 3 for n in range(1, 14)} | {2: 2, 14: None, 15: None, 16: None}
    visit = make_final(world.program_a, ratings, scale_key="it_is")
    auth.login(world.users["trainer"])
    assert client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]["needs_work"] == [2]
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert "Needs work: items under 3 (satisfactory from 3)" in page


def test_missing_anchors_are_noted_once_with_a_link_to_the_exact_list(app, client, auth, world):
    visit = make_visit(world.program_a, [user(world.users["trainer"])])
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True)
    assert page.count("state's protocol") + page.count("state&#39;s protocol") == 1
    assert "Anchors 2-4 of items 5-13 are not in the published sources" in page
    assert page.count('href="/fidelity/scales/imr_fidelity/3-24-05/missing-anchors"') == 1
    listing = client.get("/fidelity/scales/imr_fidelity/3-24-05/missing-anchors").get_data(as_text=True)
    rows = re.findall(r'<tr data-item="(\d+)">.*?<td>([\d, ]+)</td></tr>', listing)
    assert rows == [(str(n), "2, 3, 4") for n in range(5, 14)]
    assert "27 anchors missing in all" in listing


def test_a_cut_off_of_3_75_reads_3_75_wherever_a_band_edge_is_written(app, client, auth, world, tmp_path):
    text = IMR_FILE.read_text().replace('version = "3-24-05"', 'version = "state-2026"').replace(
        "released = 2005-03-24", "released = 2026-02-01").replace("to = 4.0", "to = 3.75").replace(
        "from = 4.0", "from = 3.75")
    (tmp_path / "state.toml").write_text(text)
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    assert catalog.get_scale("imr_fidelity").high_from == 3.75
    auth.login(world.users["admin"])
    scale_page = re.sub(r"\s+", " ", client.get("/fidelity/scales/imr_fidelity/state-2026").get_data(as_text=True))
    assert "Moderate fidelity: 3.0 to under 3.75; High fidelity: 3.75 to 5.0" in scale_page
    policy = client.get(f"/programs/{world.program_a.id}/reassessment-policy").get_data(as_text=True)
    assert "mean is 3.75 or more" in policy and "3.8" not in policy


def test_a_state_version_with_every_anchor_drops_the_protocol_text(app, client, auth, world, tmp_path):
    text = IMR_FILE.read_text().replace('version = "3-24-05"', 'version = "state-2026"').replace(
        "released = 2005-03-24", "released = 2026-02-01")
    for n in range(5, 14):  # the state's own anchors 2-4 for items 5-13
        text = text.replace(f"number = {n}\n", f"number = {n}\n" + "".join(
            f'anchors.{p} = "State anchor {p} of item {n}."\n' for p in (2, 3, 4)), 1)
    (tmp_path / "state.toml").write_text(text)
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    assert catalog.current_version("imr_fidelity") == "state-2026"
    visit = make_visit(world.program_a, [user(world.users["trainer"])], version="state-2026",
                       visit_date=date(2026, 3, 2))
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True)
    assert "State anchor 3 of item 9." in page
    assert "state's protocol" not in page.replace("&#39;", "'") and "Not published" not in page


def test_a_scale_is_rated_and_checked_on_its_own_range(app, client, auth, world, tmp_path):
    text = four_point(IMR_FILE.read_text()).replace('version = "3-24-05"', 'version = "four-point"').replace(
        "released = 2005-03-24", "released = 2026-02-01")
    (tmp_path / "four.toml").write_text(text)
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    assert catalog.get_scale("imr_fidelity").points == (1, 2, 3, 4)
    trainer = user(world.users["trainer"])
    visit = make_visit(world.program_a, [trainer], version="four-point")
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True)
    assert "Choose 1-4 for each item" in page
    assert "name=\"choice_1\" value=\"4\"" in page and "name=\"choice_1\" value=\"5\"" not in page
    response = auth.post(f"/fidelity/assessments/{visit.id}/rate", {"choice_1": "5", "note_1": "", "action": "save"})
    assert response.status_code == 400
    assert "Item 1 (Number of people in a session or group): 5 is outside the scale; choose a whole number from 1 " \
           "to 4." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace('anchors.4 = "Some sessions have 9-10', 'anchors.5 = "Some sessions have 9-10'),
     "item 1: anchors: anchor '5' is outside the scale (1-4)"),
    (lambda t: t.replace("to = 4.0", "to = 5.0"), "bands: the highest band must end at 4.0, not 5.0"),
])
def test_a_four_point_file_is_checked_against_its_range(tmp_path, change, message):
    (tmp_path / "four.toml").write_text(change(four_point(IMR_FILE.read_text())))
    with pytest.raises(ScaleError, match=re.escape(message)):
        load_file(tmp_path / "four.toml")
