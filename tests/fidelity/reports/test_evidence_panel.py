"""The evidence panel on the rating page and the report: figures, rows behind them, the window, disagreements."""
import io
import re
from datetime import date

from openpyxl import load_workbook

from extensions import db
from fidelity.models import Assessment
from tests.factories import make_attendance, make_participant, make_session
from tests.fidelity.factories import make_final, make_visit, user

VISIT = date(2026, 3, 2)


def _sixteen_in_one_session(world):
    team = world.team_a
    people = [make_participant(team, f"Z{i:03d}", start=date(2025, 1, 6)) for i in range(16)]
    crowded = make_session(team, date(2026, 2, 16), module=3)
    for p in people:
        make_attendance(crowded, p)
    old = make_session(team, date(2024, 12, 2), module=4)  # before the default window
    for p in people[:3]:
        make_attendance(old, p)
    db.session.commit()
    return crowded, old


def test_rating_page_shows_figures_anchors_and_the_rows_behind_them(app, client, auth, world):
    crowded, old = _sixteen_in_one_session(world)
    visit = make_visit(world.program_a, [user(world.users["trainer"])], team=world.team_a, visit_date=VISIT)
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True)
    assert "2 Mar 2025 to 2 Mar 2026 (the 12 months before the visit)" in page
    row = re.search(r'data-evidence-item="1".*?</tr>', page, re.S).group(0)
    assert "Largest session: 16 attended" in row and "&lt;= 8: 1" in row and "&gt;= 16: 1" in row
    assert "1: Some sessions have more than 15 consumers." in row
    item3 = re.search(r'data-evidence-item="3".*?</tr>', page, re.S).group(0)
    assert "2 of 9 topic areas taught" in item3  # modules 1 (the world's session) and 3
    item6 = re.search(r'data-evidence-item="6".*?</tr>', page, re.S).group(0)
    assert "the scale gives no numeric cut-offs" in item6
    rows = client.get(f"/fidelity/assessments/{visit.id}/evidence/1").get_data(as_text=True)
    assert f'data-session="{crowded.id}" class="counted"' in rows and f'data-session="{old.id}"' not in rows


def test_the_window_is_stored_with_the_visit_and_a_bad_one_changes_nothing(app, client, auth, world):
    crowded, old = _sixteen_in_one_session(world)
    visit = make_visit(world.program_a, [user(world.users["trainer"])], team=world.team_a, visit_date=VISIT)
    auth.login(world.users["trainer"])
    auth.post(f"/fidelity/assessments/{visit.id}/evidence-window",
              data={"evidence_from": "2024-11-01", "evidence_to": "2026-03-02", "action": "save"})
    assert db.session.get(Assessment, visit.id).evidence_from == date(2024, 11, 1)
    data = client.get(f"/api/v1/fidelity/assessments/{visit.id}/evidence").get_json()
    assert data["window"] == {"from": "2024-11-01", "to": "2026-03-02"}
    assert data["items"][0]["details"]["sessions"] == 3  # the old session is inside the wider window
    response = auth.post(f"/fidelity/assessments/{visit.id}/evidence-window",
                         data={"evidence_from": "2026-03-01", "evidence_to": "2026-01-01", "action": "save"},
                         follow_redirects=True)
    assert "The window starts on 1 Mar 2026, after it ends on 1 Jan 2026." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assessment, visit.id).evidence_from == date(2024, 11, 1)


def test_report_marks_items_where_evidence_and_consensus_differ_by_two(app, client, auth, world):
    _sixteen_in_one_session(world)
    visit = make_final(world.program_a, [5, 3, 3] + [4] * 10, team=world.team_a, visit_date=VISIT)
    auth.login(world.users["manager_a"])
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    item1 = re.search(r'data-evidence-item="1"[^>]*>.*?</tr>', page, re.S).group(0)
    assert 'class="disagrees"' in item1 and "differs by 2 or more" in item1  # anchor 1, consensus 5
    item3 = re.search(r'data-evidence-item="3"[^>]*>.*?</tr>', page, re.S).group(0)
    assert "disagrees" not in item3  # anchor 2, consensus 3: one point apart
    book = load_workbook(io.BytesIO(client.get(f"/fidelity/assessments/{visit.id}/report.xlsx").data))
    evidence = list(book["Evidence"].iter_rows(min_row=2, values_only=True))
    assert evidence[0][:2] == (1, "Number of people in a session or group") and evidence[0][3:6] == (1, 5, "yes")
    data = client.get(f"/api/v1/fidelity/assessments/{visit.id}/evidence").get_json()
    assert [(i["item"], i["anchor"], i["disagrees"]) for i in data["items"][:3]] == \
        [(1, 1, True), (2, 1, True), (3, 2, False)]  # item 2: 0% received, consensus 3


def test_other_agencies_and_clerks_cannot_read_the_evidence(app, client, auth, world):
    visit = make_final(world.program_a, [4] * 13, team=world.team_a, visit_date=VISIT)
    auth.login(world.users["manager_b"])
    assert client.get(f"/api/v1/fidelity/assessments/{visit.id}/evidence").status_code == 404
    assert client.get(f"/fidelity/assessments/{visit.id}/evidence/1").status_code == 404
    auth.logout()
    auth.login(world.users["clerk_a"])
    assert client.get(f"/api/v1/fidelity/assessments/{visit.id}/evidence").status_code == 403


def test_item_7_states_its_rule_and_follows_the_review_days_setting(app, client, auth, world):
    """Reviewed 40 days before the visit by a weekly attender: followed up under 45 review days, not under 30."""
    from datetime import timedelta
    from models import Goal, GoalReview
    person = make_participant(world.team_a, "W001", start=date(2025, 6, 2))
    for n in range(8):
        make_attendance(make_session(world.team_a, VISIT - timedelta(weeks=n), module=2), person)
    goal = Goal(participant_id=person.id, reference="LT1", level="long_term", date_set=date(2025, 7, 1),
                target_date=date(2026, 1, 1), status="active")
    db.session.add(goal)
    db.session.flush()
    db.session.add(GoalReview(goal_id=goal.id, review_date=VISIT - timedelta(days=40)))
    db.session.commit()
    visit = make_visit(world.program_a, [user(world.users["trainer"])], team=world.team_a, visit_date=VISIT)
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True)
    item7 = re.search(r'data-evidence-item="7".*?</tr>', page, re.S).group(0)
    assert "reviewed in those 30 days, or else within the span of the last 4 sessions they attended" in item7
    assert "W001" not in client.get(f"/fidelity/assessments/{visit.id}/evidence/7").get_data(as_text=True)
    app.config["GOAL_REVIEW_DAYS"] = 45
    item7 = re.search(r'data-evidence-item="7".*?</tr>',
                      client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True), re.S).group(0)
    assert "1 reviewed in those days" in item7 and "reviewed in those 45 days" in item7
    assert "W001" in client.get(f"/fidelity/assessments/{visit.id}/evidence/7").get_data(as_text=True)


def test_item_2_figure_is_not_rounded_onto_the_next_anchor():
    # 179 of 200 eligible is 89.5%: anchor 4 ("70-89%"); the figure beside it used to read "90%".
    from fidelity.reports.evidence_panel import figure_text
    from scoring.evidence import Evidence
    found = Evidence(2, "program_length", 89.5, 4, {"received": 179, "eligible": 200, "ended_early": 21,
                                                     "too_recent": 0})
    assert figure_text(found, cutoffs=(20, 40, 70, 90)).startswith("89.5%: 179 of 200 eligible participants")


def test_a_share_with_nobody_to_count_says_so():
    # A new program: nobody started 182 days before the visit. The panel read "–: 0 of 0 eligible participants...".
    from fidelity.reports.evidence_panel import figure_text
    from scoring.evidence import Evidence
    found = Evidence(2, "program_length", None, None, {"received": 0, "eligible": 0, "ended_early": 0,
                                                        "too_recent": 3})
    assert figure_text(found) == "No eligible participants: 3 too recent to count (started under 182 days before " \
                                 "the visit)."
    nobody = Evidence(6, "goal_setting", None, None, {"attenders": 0, "with_goal": 0, "broken_down": 0,
                                                       "broken_down_share": None, "with_steps": 0,
                                                       "with_steps_share": None})
    assert figure_text(nobody) == "Nobody attended a session in the window."
    follow = Evidence(7, "goal_follow_up", None, None, {"recent_attenders": 0, "reviewed": 0, "in_days": 0,
                                                         "by_sessions": 0, "days": 30, "sessions": 4})
    assert figure_text(follow) == "Nobody attended a session in the 30 days before the visit."


def test_item_3_says_how_many_sessions_had_no_module_recorded(app, client, auth, world):
    team = world.team_a
    for n, module in enumerate([1, 2, None, None]):
        make_session(team, date(2026, 1, 5 + 7 * n), module=module)
    db.session.commit()
    visit = make_visit(world.program_a, [user(world.users["trainer"])], team=team, visit_date=VISIT)
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/rate").get_data(as_text=True)
    item3 = re.search(r'data-evidence-item="3".*?</tr>', page, re.S).group(0)
    assert "2 of 9 topic areas taught" in item3
    assert "2 sessions in the window have no module recorded" in item3
