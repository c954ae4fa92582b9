"""Who sees what: managers read their own agency's final reports only; clerks see none of fidelity."""
from datetime import date

from extensions import db
from tests.fidelity.factories import GROUP_A, make_final, make_visit, user


def _visits(world):
    trainer = user(world.users["trainer"])
    return {"final_a": make_final(world.program_a, GROUP_A, raters=[trainer]),
            "draft_a": make_visit(world.program_a, [trainer], visit_date=date(2026, 6, 1)),
            "final_b": make_final(world.program_b, [3] * 13)}


def test_manager_reads_own_final_reports_only(app, client, auth, world):
    v = _visits(world)
    auth.login(world.users["manager_a"])
    assert client.get(f"/fidelity/assessments/{v['final_a'].id}/report").status_code == 200
    assert client.get(f"/fidelity/assessments/{v['final_a'].id}/report.xlsx").status_code == 200
    assert client.get(f"/fidelity/assessments/{v['draft_a'].id}/report").status_code == 404
    assert client.get(f"/api/v1/assessments/{v['draft_a'].id}").status_code == 404
    assert client.get(f"/fidelity/assessments/{v['final_b'].id}/report").status_code == 404
    assert client.get(f"/fidelity/assessments/{v['final_a'].id}/rate").status_code == 403
    listed = client.get("/api/v1/assessments").get_json()["assessments"]
    assert [a["id"] for a in listed] == [v["final_a"].id]
    page = client.get("/fidelity/").get_data(as_text=True)
    assert "Alpha IMR" in page and "Beta IMR" not in page and "Start a visit" not in page
    state = client.get("/api/v1/fidelity/state").get_json()["programs"]
    assert [p["program"]["name"] for p in state] == ["Alpha IMR"]
    response = client.post("/api/v1/assessments", json={"program_id": world.program_a.id}, headers=auth.headers())
    assert response.status_code == 403


def test_clerk_sees_none_of_fidelity(app, client, auth, world):
    v = _visits(world)
    auth.login(world.users["clerk_a"])
    for url in ("/fidelity/", f"/fidelity/assessments/{v['final_a'].id}/report", "/fidelity/state",
                f"/fidelity/programs/{world.program_a.id}/history"):
        assert client.get(url).status_code == 403, url
    for url in ("/api/v1/assessments", f"/api/v1/assessments/{v['final_a'].id}", "/api/v1/fidelity/state"):
        response = client.get(url)
        assert response.status_code == 403 and response.get_json()["error"]["status"] == 403, url
    program_page = client.get(f"/programs/{world.program_a.id}").get_data(as_text=True)
    assert "Fidelity" not in program_page
    nav = client.get("/").get_data(as_text=True)
    assert "/fidelity/" not in nav


def test_program_page_shows_latest_score_and_links(app, client, auth, world):
    _visits(world)
    auth.login(world.users["manager_a"])
    page = client.get(f"/programs/{world.program_a.id}").get_data(as_text=True)
    assert ('<dt>Latest IMR Fidelity Scale</dt><dd>4.2 High fidelity, visit of <span class="date">2 Mar 2026</span>'
            '</dd>') in page  # the day kept whole on a narrow screen
    assert "Fidelity history" in page and "Start a fidelity visit" not in page
    auth.logout()
    auth.login(world.users["trainer"])
    page = client.get(f"/teams/{world.team_a.id}").get_data(as_text=True)
    assert f"/fidelity/assessments/new?team_id={world.team_a.id}" in page
    assert "No final visit of this team yet" in page


def test_history_and_state_views(app, client, auth, world):
    make_final(world.program_a, [3] * 13, visit_date=date(2025, 6, 1))
    make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2))
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/programs/{world.program_a.id}/history").get_data(as_text=True)
    assert page.count("<td>Whole program</td>") == 2 and "Moderate fidelity" in page and "High fidelity" in page
    assert 'id="trend-imr_fidelity"' in page  # the trend chart
    state = client.get("/fidelity/state").get_data(as_text=True)
    assert 'data-program="Beta IMR"' in state and "No final visit yet" in state
    assert 'id="fidelity-heatmap"' in state
    data = client.get("/api/v1/fidelity/state").get_json()["programs"]
    alpha = next(p for p in data if p["program"]["name"] == "Alpha IMR")
    assert alpha["latest"]["band"] == "high" and alpha["previous"]["summary_score"] == 3.0
    history = client.get(f"/api/v1/programs/{world.program_a.id}/fidelity").get_json()["assessments"]
    assert [a["visit_date"] for a in history] == ["2025-06-01", "2026-03-02"]


def test_program_page_survives_a_removed_scale_version(app, client, auth, world):
    final = _visits(world)["final_a"]
    final.scale_version = "1999-01"  # as if that version's file had been taken out of instance/scales
    db.session.commit()
    auth.login(world.users["manager_a"])
    report = client.get(f"/fidelity/assessments/{final.id}/report")  # the report needs the items: it says why
    assert report.status_code == 500
    assert "rated on imr_fidelity version 1999-01, which is no longer installed" in report.get_data(as_text=True)
    history = client.get(f"/fidelity/programs/{world.program_a.id}/history")  # lists it with what it stored
    assert history.status_code == 200 and "2 Mar 2026" in history.get_data(as_text=True)
    # its items unnamed (the version that names them is gone), with their scores
    assert '<tr data-item="13"><td class="num">13</td><td></td><td class="num">2</td>' in history.get_data(as_text=True)
    response = client.get(f"/programs/{world.program_a.id}")
    assert response.status_code == 200
    assert ('<dt>Latest imr_fidelity</dt><dd>4.15 high, visit of <span class="date">2 Mar 2026</span> (scale version '
            '1999-01 is no longer installed)</dd>') in response.get_data(as_text=True)
