"""What the consensus page and the report say about agreement where it has no number: one rater, every score the
same (ICC undefined: said in words, never NaN or a bare dash), an item one rater marked not applicable."""
import re

from tests.fidelity.factories import make_submitted, user


def _submitted(world, first, second=None, scale_key="imr_fidelity"):
    ratings = {user(world.users["trainer"]): first} | ({user(world.users["admin"]): second} if second else {})
    return make_submitted(world.program_a, ratings, scale_key=scale_key)


def _finalise(client, auth, visit):
    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    fields = dict(re.findall(r'name="(was_\w+)" value="([^"]*)"', page))
    fields.update({f"choice_{n}": "4" for n in range(1, 17) if f'name="choice_{n}"' in page})
    assert auth.post(f"/fidelity/assessments/{visit.id}/consensus", {**fields, "action": "finalize"}).status_code == 302
    return client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)


def test_identical_flat_ratings_say_why_there_is_no_icc(app, client, auth, world):
    visit = _submitted(world, {n: 4 for n in range(1, 14)}, {n: 4 for n in range(1, 14)})
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    card = page.split('data-figure="icc">')[1].split("</div>")[0]
    assert card == "not computable"
    assert "every score is the same, so there is no variation to compare" in page
    assert "nan" not in page.lower().replace("nance", "")  # maintenance and the like aside
    data = client.get(f"/api/v1/assessments/{visit.id}/agreement").get_json()["agreement"]
    assert data["icc"] is None and data["icc_note"] == "every score is the same, so there is no variation to compare"
    report = _finalise(client, auth, visit)
    assert "ICC(2,1), absolute agreement: not computable (every score is the same, so there is no variation" in report


def test_crossed_ratings_are_not_said_to_be_all_the_same(app, client, auth, world):
    """Items 1 and 2 rated 1, 2 and 2, 1: the ICC has no value, yet no score is alike."""
    visit = _submitted(world, {1: 1, 2: 2}, {1: 2, 2: 1})
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    reason = "these ratings give the ratio no value: too few items or no spread between items"
    assert "exact agreement (0 of 2 items)" in page
    assert reason in page and "every score is the same" not in page
    data = client.get(f"/api/v1/assessments/{visit.id}/agreement").get_json()["agreement"]
    assert data["icc"] is None and data["icc_note"] == reason


def test_one_rater_has_no_agreement_to_show(app, client, auth, world):
    visit = _submitted(world, {n: 4 for n in range(1, 14)})
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    assert "One rater rated this visit: there is no agreement between raters to show." in page
    report = _finalise(client, auth, visit)
    assert "One rater rated this visit: there is no agreement between raters to show." in report


def test_an_item_one_rater_marked_not_applicable_is_a_difference_not_a_comparison(app, client, auth, world):
    both = {n: 4 for n in range(1, 14)} | {15: 3, 16: None}
    visit = _submitted(world, both | {14: None}, both | {14: 3}, scale_key="it_is")
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/consensus").get_data(as_text=True)
    row = page.split('<tr data-item="14"')[1].split("</tr>")[0]
    assert 'class="differ"' in row and "NA" in row and '<option value="">–</option><option' in row
    assert '<option value="" selected' not in row and " selected>" not in row  # not decided for them
    assert "exact agreement (14 of 14 items)" in page  # item 14 is left out of the comparison
    assert re.search(r"Raters differ on item <strong data-differing>14</strong>", page)
