"""Dashboards at the edges of what a state holds, on a phone (390 px) and a wide screen (1920 px): program and team
names of 80 characters, a program of 60 teams, a team of one participant, a window of one day. No chart element
overlaps another or leaves its chart, and the page never scrolls sideways."""
from datetime import date, timedelta

import pytest

from extensions import db
from tests.browser.conftest import LiveServer, sign_in, to_print
from tests.browser.layout_checks import LAYOUT_PROBLEMS, OUT_OF_BOX, PAPER, PRINT_PROBLEMS, SIDEWAYS
from tests.conftest import make_app
from tests.dashboards.scenario import FROM, TO, add_programs, build_scenario
from tests.factories import make_attendance, make_participant, make_program, make_session, make_team
from tests.fidelity.factories import make_final
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

# Every chart drawn (an empty window's page has none, and no script to draw them).
DRAWN = "() => !document.querySelector('script.figure') || document.body.dataset.chartsReady === 'yes'"
LONG = "Riverside Community Mental Health Center Outpatient Illness Management and Recovery"[:76]  # + 4 more


def _big_program(agency):
    """60 teams of 6 (the first with one participant, who came on 9 Feb too), every tenth named with 80 characters,
    4 weeks of sessions."""
    program, first = make_program(agency, LONG + " IMR"), None
    for t in range(60):
        team = make_team(program, f"{LONG} {t:03d}" if t % 10 == 0 else f"Team {t}")
        people = [make_participant(team, f"T{t}P{i}", start=date(2026, 1, 1)) for i in range(1 if t == 0 else 6)]
        for week in range(4):
            session = make_session(team, date(2026, 1, 5) + timedelta(days=7 * week + t % 5), module=1 + week % 3)
            for i, person in enumerate(people):
                if (i + week + t) % 3:
                    make_attendance(session, person)
        first = first or (team, people[0])
    make_attendance(make_session(first[0], date(2026, 2, 9)), first[1])  # the one-day window's session
    return program, first[0]


@pytest.fixture(scope="module")
def edge_site(sqlite_template, tmp_path_factory):
    """The edge state on a server of its own (not the chart pages' of test_every_chart_page_fits_...), built once:
    the tests only read it."""
    url, _ = sqlite_template.fresh(str(tmp_path_factory.mktemp("edges")))
    app = make_app(url)
    with app.app_context():
        scenario = build_scenario()
        big, solo = _big_program(scenario.world.agency_a)
        # The overview ranks 51 programs and draws 24; the fidelity state view's heatmap has 52 units, too many
        # rows to name.
        for i, program in enumerate(add_programs(scenario.world.agency_b, 50)):
            make_final(program, [1 + (i + item) % 5 for item in range(13)], visit_date=date(2026, 3, 2))
        db.session.commit()
        urls = [f"/dashboards/programs/{big.id}", f"/dashboards/teams/{solo.id}",
                f"/dashboards/programs/{scenario.world.program_a.id}", "/dashboards/state", "/fidelity/state"]
        trainer = scenario.world.users["trainer"]
        db.session.remove()
    server = LiveServer(app)
    yield server, urls, trainer
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def edge_pages(edge_site, page):
    server, urls, trainer = edge_site
    page.set_default_timeout(60000)  # 60 teams on 2 cores shared with the suite's other worker
    sign_in(page, server.url, trainer, PASSWORD)
    return [server.url + u for u in urls]


def test_long_names_and_many_teams_lay_out_on_a_phone_and_a_wide_screen(page, edge_pages):
    problems = []
    for width in (390, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        for url in edge_pages:
            for window in (f"from={FROM}&to={TO}", "from=2026-02-09&to=2026-02-09"):
                page.goto(f"{url}?{window}")
                page.wait_for_function(DRAWN)
                problems += [(width, url, window, p) for p in page.evaluate(LAYOUT_PROBLEMS)]
                sideways = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                if sideways > 0:
                    problems.append((width, url, window, f"the page scrolls {sideways} px sideways"))
    assert problems == []


# The fidelity state view's heatmap: taller than a printed page, or drawn past its box.
HEATMAP_PROBLEMS = """(pageHeight) => [...document.querySelectorAll('#fidelity-heatmap')].flatMap(plot => {
  const h = plot.closest('figure').getBoundingClientRect().height;
  return h > pageHeight ? ['the heatmap is taller than a page: ' + h] : [];
})"""


def test_sixty_teams_and_long_rankings_print_on_a4_and_letter(page, edge_pages):
    """Printed, the program of 60 teams, the overview ranking 51 programs and the fidelity heatmap of 52 units keep
    every chart on one page, and nothing reaches past the paper."""
    problems = []
    for paper, (width, height) in PAPER.items():
        for url in (edge_pages[0], edge_pages[3], edge_pages[4]):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{url}?from={FROM}&to={TO}")
            page.wait_for_function(DRAWN)
            to_print(page)
            page.wait_for_timeout(300)  # Plotly redraws at the paper's width
            problems += [(paper, url, p) for p in page.evaluate(LAYOUT_PROBLEMS) + page.evaluate(PRINT_PROBLEMS, height)
                         + page.evaluate(HEATMAP_PROBLEMS, height) + page.evaluate(OUT_OF_BOX, False)]
            page.emulate_media(media="screen")
    assert problems == []


def test_every_chart_page_fits_a_phone_and_a_wide_screen(page, chart_pages):
    """Program, team and state dashboards, fidelity report, history and state at 390 and 1920 px: no chart element
    overlaps another or leaves its chart, and no table or filter reaches past the window (a table scrolls inside
    its box), so the page never scrolls sideways."""
    problems = []
    for width in (390, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        for url in chart_pages:
            page.goto(url)
            page.wait_for_function(DRAWN)
            problems += [(width, url, p) for p in page.evaluate(OUT_OF_BOX, True) + page.evaluate(LAYOUT_PROBLEMS)]
            if page.evaluate(SIDEWAYS) > 0:
                problems.append((width, url, "the page scrolls sideways"))
    assert problems == []
