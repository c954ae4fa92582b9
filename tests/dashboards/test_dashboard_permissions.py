"""Who may open which dashboard: state staff everything, managers their own agency (another's is 404),
clerks nothing (403), anonymous people are sent to sign in (401 JSON under /api).

Rows for the lead's permission matrix (tests/test_permissions.py):
dashboards.program, dashboards.team, dashboards.overview, dashboards.program_download,
dashboards.team_download, dashboards.overview_download, api_dashboards.program_engagement,
api_dashboards.team_engagement, api_dashboards.overview_engagement -> admin, trainer, manager.
"""
import pytest

ALLOWED = {"admin", "trainer", "manager_a"}


def _urls(s):
    """(url, belongs to the other agency) for every dashboard route."""
    own = [("/dashboards/programs/{p}", s.world.program_a.id), ("/dashboards/teams/{t}", s.group.id),
           ("/dashboards/programs/{p}/download", s.world.program_a.id), ("/dashboards/teams/{t}/download", s.group.id),
           ("/api/v1/programs/{p}/engagement", s.world.program_a.id), ("/api/v1/teams/{t}/engagement", s.group.id)]
    other = {s.world.program_a.id: s.world.program_b.id, s.group.id: s.world.team_b.id}
    urls = []
    for pattern, value in own:
        urls.append((pattern.format(p=value, t=value), False))
        urls.append((pattern.format(p=other[value], t=other[value]), True))
    for url in ("/dashboards/state", "/dashboards/state/download", "/api/v1/engagement/programs"):
        urls.append((url, False))
        urls.append((f"{url}?agency={s.world.agency_b.id}", True))
    return urls


@pytest.mark.parametrize("who", ["admin", "trainer", "manager_a", "clerk_a"])
def test_role_matrix(lite, who):
    assert lite.auth.login(lite.scenario.world.users[who]).status_code == 302
    problems = []
    for url, other in _urls(lite.scenario):
        response = lite.client.get(url)
        if who not in ALLOWED:
            expected = 403
        elif other and who == "manager_a":
            expected = 404
        else:
            expected = 200
        body = response.data.decode("utf-8", "replace")  # downloads are binary
        if response.status_code != expected:
            problems.append(f"{who} {url}: {response.status_code}, expected {expected}")
        if who not in ("admin", "trainer") and any(m in body for m in ("Beta IMR", "Beta group", "B000", "BBB")):
            problems.append(f"{who} {url}: shows another agency's data")
        if url.startswith("/api/") and expected != 200 and not response.is_json:
            problems.append(f"{who} {url}: error is not JSON")
    assert problems == []


def test_anonymous_is_sent_to_sign_in(lite):
    for url, _ in _urls(lite.scenario):
        response = lite.client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401 and response.is_json, url
        else:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
