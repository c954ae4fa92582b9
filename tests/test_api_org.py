"""The organisation API: JSON only, the same access checks as the pages."""


def test_programs_and_teams_as_json(client, auth, world):
    auth.login(world.users["manager_a"])
    data = client.get("/api/v1/programs").json
    assert [p["name"] for p in data["programs"]] == ["Alpha IMR"]
    assert data["programs"][0]["counts"] == {"participants": 3, "active_participants": 3, "sessions": 1,
                                             "teams": 2}
    program = client.get(f"/api/v1/programs/{world.program_a.id}").json
    assert sorted(t["name"] for t in program["teams"]) == ["Alpha caseload", "Alpha group"]
    assert client.get(f"/api/v1/teams/{world.team_a.id}").json["team"]["format"] == "group"
    assert [a["code"] for a in client.get("/api/v1/agencies").json["agencies"]] == ["AAA"]


def test_state_staff_see_every_agency(client, auth, world):
    auth.login(world.users["trainer"])
    assert [a["code"] for a in client.get("/api/v1/agencies").json["agencies"]] == ["AAA", "BBB"]


def test_errors_are_json_and_do_not_leak(client, auth, world):
    assert client.get("/api/v1/programs").status_code == 401
    assert client.get("/api/v1/programs").json["error"]["status"] == 401
    auth.login(world.users["clerk_a"])
    for url in (f"/api/v1/programs/{world.program_b.id}", f"/api/v1/teams/{world.team_b.id}",
                "/api/v1/programs/999999", "/api/v1/programs/abc", "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json, url
        assert "Beta" not in response.get_data(as_text=True)

