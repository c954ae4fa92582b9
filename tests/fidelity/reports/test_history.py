"""The history of a program or team: a trend line joins only visits a report compares (queries.comparable)."""
import json
import re
from datetime import date

from tests.fidelity.factories import make_final, visits_in_both_formats


def _trend(page, key):
    """[(line name, dates, scores)] of a history page's trend chart for one scale."""
    figure = json.loads(page.split(f'data-target="trend-{key}">')[1].split("</script>")[0])
    return [(t["name"], t["x"], t["y"]) for t in figure["data"]]


def _section(page, key):
    return page.split(f'data-scale="{key}">')[1].split("</section>")[0]


def test_it_is_group_and_individual_visits_are_separate_lines(app, client, auth, world):
    """IT-IS rates items 12-13 only at group visits: one line joining a team's group and individual means would
    join means over different items. The IMR Fidelity Scale rates the same 13 items in either format: one line."""
    visits_in_both_formats(world)
    auth.login(world.users["manager_a"])
    page = client.get(f"/fidelity/teams/{world.team_a.id}/history").get_data(as_text=True)
    assert _trend(page, "it_is") == [
        ("Alpha group, individual visits", ["2025-09-01", "2026-03-02"], [3.0, 4.0]),
        ("Alpha group, group visits", ["2025-12-01", "2026-06-01"], [2.0, 3.0])]
    assert _trend(page, "imr_fidelity") == [("Alpha group", ["2025-09-01", "2026-03-02"], [3.0, 54 / 13])]

    it_is, imr = _section(page, "it_is"), _section(page, "imr_fidelity")
    split = "Group and individual visits rate different items on this scale, so each has its own line"
    assert split in it_is and split not in imr
    assert "<th>Line</th>" in it_is and "<th>Assessed</th>" in imr
    lines = [re.findall(r"<td[^>]*>([^<]*)", row)[1] for row in it_is.split("<tbody>")[1].split("</tbody>")[0]
             .split("<tr>")[1:]]
    assert lines == ["Alpha group, group visits", "Alpha group, individual visits"] * 2  # newest first
    tables = {t.split("<caption>")[1].split("</caption>")[0]: t for t in it_is.split('<table class="trajectory"')[1:]}
    assert list(tables) == ["Team Alpha group, individual visits: 2 final visits",
                            "Team Alpha group, group visits: 2 final visits"]
    assert 'data-item="12"' not in tables["Team Alpha group, individual visits: 2 final visits"]
    assert 'data-item="12"' in tables["Team Alpha group, group visits: 2 final visits"]
    assert imr.count('<table class="trajectory"') == 1

    team = client.get(f"/api/v1/teams/{world.team_a.id}/fidelity").get_json()
    by_id = {a["id"]: (a["scale_key"], a["format"], a["visit_date"]) for a in team["assessments"]}
    assert [(s["scale_key"], s["label"], s["formats"], [by_id[i][2] for i in s["assessment_ids"]])
            for s in team["series"]] == [
        ("imr_fidelity", "Alpha group", ["group", "individual"], ["2025-09-01", "2026-03-02"]),
        ("it_is", "Alpha group, individual visits", ["individual"], ["2025-09-01", "2026-03-02"]),
        ("it_is", "Alpha group, group visits", ["group"], ["2025-12-01", "2026-06-01"])]


def test_program_history_keeps_units_apart_and_splits_only_where_items_differ(app, client, auth, world):
    visits_in_both_formats(world)
    make_final(world.program_a, {n: 5 for n in range(1, 14)} | {14: None, 15: None, 16: None}, scale_key="it_is", format="group",
               visit_date=date(2026, 1, 5))  # the whole program: another unit, with one line of its own
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/programs/{world.program_a.id}/history").get_data(as_text=True)
    assert [name for name, _, _ in _trend(page, "it_is")] == [
        "Whole program", "Alpha group, individual visits", "Alpha group, group visits"]
    series = client.get(f"/api/v1/programs/{world.program_a.id}/fidelity?scale_key=it_is").get_json()["series"]
    assert [(s["label"], s["team_id"], len(s["assessment_ids"])) for s in series] == [
        ("Whole program", None, 1), ("Alpha group, individual visits", world.team_a.id, 2),
        ("Alpha group, group visits", world.team_a.id, 2)]
