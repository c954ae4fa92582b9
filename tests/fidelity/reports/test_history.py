"""The history of a program or team: a trend line joins only visits a report compares (queries.comparable)."""
import json
import re
from datetime import date

from extensions import db
from fidelity.scales.definition import SCALES_DIR
from fidelity.visits.imported import record_historical_assessment
from tests.fidelity.factories import make_final, visits_in_both_formats


def _trend(page, key):
    """[(line name, dates, scores)] of a history page's trend chart for one scale."""
    figure = json.loads(page.split(f'data-target="trend-{key}">')[1].split("</script>")[0])
    return [(t["name"], t["x"], t["y"]) for t in figure["data"]]


def _section(page, key):
    return page.split(f'data-scale="{key}">')[1].split("</section>")[0]


def _item_tables(section):
    """{caption: [(item, name, [value at each visit])]} of a section's item tables."""
    tables = {}
    for table in section.split('<table class="trajectory"')[1:]:
        rows = table.split("<tbody>")[1].split("</tbody>")[0].split("<tr ")[1:]
        tables[table.split("<caption>")[1].split("</caption>")[0]] = [
            (int(cells[0]), cells[1], cells[2:]) for cells in (re.findall(r"<td[^>]*>([^<]*)", row) for row in rows)]
    return tables


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


def test_each_line_lists_the_items_of_the_version_its_visits_were_rated_on(app, client, auth, world, tmp_path):
    """A state version released later that drops item 13 and renames item 1: the program's visits rated on the
    shipped version still show its 13 items, by their names then, with their scores."""
    shipped = (SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text()
    state = (shipped[:shipped.rindex("[[items]]")]  # item 13, the file's last, left out
             .replace('version = "3-24-05"', 'version = "state-12"').replace("released = 2005-03-24",
                                                                             "released = 2026-01-15")
             .replace('name = "Number of people in a session or group"', 'name = "Group size"'))
    (tmp_path / "state.toml").write_text(state)
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    for version, values, day in [("3-24-05", [2] * 12 + [4], date(2025, 6, 1)),
                                 ("3-24-05", [3] * 12 + [5], date(2025, 12, 1)),
                                 ("state-12", [4] * 12, date(2026, 3, 2))]:
        record_historical_assessment(db.session, program=world.program_a, team=None, scale_key="imr_fidelity",
                                     scale_version=version, format="group", visit_date=day,
                                     ratings=dict(enumerate(values, start=1)))
    db.session.commit()
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/programs/{world.program_a.id}/history").get_data(as_text=True)
    old, new = _item_tables(_section(page, "imr_fidelity")).values()
    assert len(old) == 13 and [row[0] for row in old] == list(range(1, 14))
    assert old[0] == (1, "Number of people in a session or group", ["2", "3"])
    assert old[12] == (13, "Behavioral tailoring for medication", ["4", "5"])
    assert len(new) == 12 and new[0] == (1, "Group size", ["4"])
