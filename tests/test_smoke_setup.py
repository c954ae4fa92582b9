def test_sign_in_shows_own_agency_only(client, auth, world):
    assert auth.login(world.users["manager_a"]).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Alpha IMR" in page and "Beta IMR" not in page
