"""The participants' statement prepared on its connection (dashboards/prepared.py): once the server keeps one plan for
it, whatever the team, window and format, the pages show what they showed with a plan made for their own values."""
import re

import pytest
from sqlalchemy import event, text

from dashboards import prepared
from extensions import db
from tests.dashboards.scenario import WINDOW
from tests.helpers import Auth


def _pages(client, urls):
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
    return found


def test_pages_are_the_same_with_the_plan_kept_for_any_values(app, scenario):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite prepares nothing")
    client = app.test_client()
    assert Auth(client).login(scenario.world.users["manager_a"]).status_code == 302
    windows = ["from={from}&to={to}".format(**WINDOW), "from=2026-01-15&to=2026-02-20"]  # the second cuts months
    program = scenario.world.program_a.id
    urls = [f"{page}?{window}{fmt}" for window in windows for fmt in ("", "&format=group")
            for page in (f"/dashboards/teams/{scenario.group.id}", f"/dashboards/teams/{scenario.caseload.id}",
                         f"/dashboards/programs/{program}", f"/api/v1/programs/{program}/engagement")]
    event.remove(db.engine, "do_execute", prepared.do_execute)
    planned_each_time = _pages(client, urls)
    event.listen(db.engine, "do_execute", prepared.do_execute)
    # A prepared statement's plan is the one kept for any values from its first run (the server settles on it after
    # five runs of its own choosing); statements not prepared are planned for their values whatever this says.
    db.session.execute(text(f"ALTER DATABASE {db.engine.url.database} SET plan_cache_mode = force_generic_plan"))
    db.session.commit()
    db.engine.dispose()  # new connections take the setting
    used = set()
    event.listen(db.engine, "checkout", lambda dbapi_connection, record, proxy: used.add(dbapi_connection))
    kept_plan = _pages(client, urls)
    kept = 0
    for connection in used:
        kept += connection.execute("SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements").fetchone()[0]
        connection.rollback()
    assert kept >= len(urls)  # each page's participants were read with the kept plan
    assert any(code in kept_plan[urls[0]] for code in scenario.codes)  # the team page lists its participants
    for url in urls:
        assert kept_plan[url] == planned_each_time[url], url
