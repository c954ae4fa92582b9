"""The dashboard pages a manager or trainer opens: numbers, lines, captions, empty states and bad input."""
import html
import io
import re
from datetime import date

from openpyxl import load_workbook

from extensions import db
from tests.dashboards.page_text import embedded_figures, open_page, table_rows
from tests.dashboards.scenario import WINDOW, add_programs
from tests.factories import make_participant, make_team


def test_program_dashboard(lite):
    response, body = open_page(lite, f"/dashboards/programs/{lite.scenario.world.program_a.id}", **WINDOW)
    assert response.status_code == 200
    assert "Agency: Agency Alpha (AAA) · Program: Alpha IMR · All teams · Format: group and individual IMR · " \
           "Window: 1 Jan 2026 to 31 Mar 2026" in body
    assert 'data-summary="pct_engaged">42.9%' in body and 'data-summary="pct_any">85.7%' in body
    figures = embedded_figures(body)
    assert set(figures) == {"teams", "participants", "trend", "modules"}
    exposure = figures["participants"]["layout"]
    assert [s["y0"] for s in exposure["shapes"]] == [50]
    assert "<li><span class=\"swatch swatch-dash\" aria-hidden=\"true\"></span>50% line: more than this is engaged</li>" \
        in body and "Program target 50%</li>" in body  # named in the legend below the chart, not over the bars
    assert "Below the target" in body  # Alpha group (40%) is below: drawn, so listed
    assert figures["trend"]["data"][2]["x"] == ["2026-02-10", "2026-03-05"]  # the fidelity visit markers
    teams = {row[0]: row for row in table_rows(body, "teams")}
    assert teams["Alpha group"][2:8] == ["5", "5", "2", "40", "4", "80"]
    assert teams["Alpha caseload"][5] == "n<5" and teams["Whole program"][5] == "42.9"
    participants = {row[0]: row for row in table_rows(body, "participants")}
    assert participants["A001"][2:6] == ["4", "2", "50", "no"]
    assert participants["I003"][2:6] == ["0", "0", "—", "—"]
    assert "The differences between teams in sessions attended are no larger than chance" in body
    # the page rounds what the API gives in full (F 0.0193..., p 0.8949...)
    assert table_rows(body, "comparison")[1][1:5] == ["0.02", "1", "5", ".895"]
    assert 'data-summary="waiting_first_session">Waiting for a first session: 1, longest wait 85 days.' in body
    assert "(n = 6; 1 offered sessions have attended none yet)" in body
    assert f'href="/dashboards/teams/{lite.scenario.group.id}?from=2026-01-01&amp;to=2026-03-31"' in body
    assert "Each bar is one participant" in body and "Table view: Exposure per participant" in body
    assert "/dashboards/programs/%d/download?file=csv&amp;from=2026-01-01&amp;to=2026-03-31&amp;table=participants" % \
        lite.scenario.world.program_a.id in body


def test_team_dashboard_lists_participants_under_the_line(lite):
    response, body = open_page(lite, f"/dashboards/teams/{lite.scenario.group.id}", **WINDOW)
    assert response.status_code == 200
    under = table_rows(body, "under_the_line")
    assert [row[0] for row in under] == ["A001", "A003", "A004"]
    assert [row[-2:] for row in under] == [["16 Feb 2026", "1"], ["—", "4"], ["23 Feb 2026", "0"]]
    assert "3 of 5 participants offered sessions attended no more than 50% of them" in body


def test_small_team_page_shows_counts_and_no_percentages(lite):
    response, body = open_page(lite, f"/dashboards/teams/{lite.scenario.caseload.id}", **WINDOW)
    assert 'data-summary="pct_engaged">1 of 2<' in body
    assert "Fewer than 5 participants were offered sessions, so counts are shown but no percentages" in body
    assert "participants" not in embedded_figures(body)  # no exposure chart of two people
    assert [row[4] for row in table_rows(body, "participants")] == ["n<5", "n<5", "—"]
    assert "%" not in "".join(row[4] for row in table_rows(body, "participants"))


def test_bad_window_shows_the_problem_and_the_form(lite):
    response, body = open_page(lite, f"/dashboards/programs/{lite.scenario.world.program_a.id}",
                           **{"from": "2026-04-01", "to": "2026-03-01"})
    assert response.status_code == 400
    assert "The window starts on 1 Apr 2026 (&#39;from&#39;), after it ends on 1 Mar 2026" in body
    assert 'name="from" type="text"' in body and 'value="2026-04-01"' in body  # what they typed, to correct
    assert "Traceback" not in body and "<script type=\"application/json\"" not in body


def test_window_without_sessions_shows_an_empty_state(lite):
    response, body = open_page(lite, f"/dashboards/programs/{lite.scenario.world.program_a.id}",
                           **{"from": "2020-01-01", "to": "2020-06-30"})
    assert response.status_code == 200
    assert 'class="empty-state" role="status">No IMR sessions were recorded for this program from 1 Jan 2020' in body
    assert "plotly.min.js" not in body


def test_overview_ranks_programs_and_drills_down(lite):
    response, body = open_page(lite, "/dashboards/state", who="trainer", **WINDOW)
    assert response.status_code == 200 and "<h1>State overview</h1>" in body
    programs = table_rows(body, "programs")
    assert [row[:3] for row in programs] == [["Alpha IMR", "AAA", "1"], ["Beta IMR", "BBB", "—"]]
    assert programs[0][5] == "42.9" and programs[0][-1] == "Moderate fidelity" and programs[1][5] == "n<5"
    assert table_rows(body, "scatter") == [["Alpha IMR", "AAA", "3.6", "Moderate fidelity", "42.9"]]
    world = lite.scenario.world
    assert f'href="/dashboards/state?agency={world.agency_a.id}&amp;from=2026-01-01' in body  # agency level
    assert f'href="/dashboards/programs/{world.program_a.id}?from=2026-01-01' in body  # program level
    assert set(embedded_figures(body)) == {"programs", "scatter"}
    assert "1 program with fewer than 5 participants offered sessions is listed in the table only." in body
    assert "1 of 1 program with percentages has a fidelity score." in body


def test_overview_of_many_programs_draws_the_highest_and_lowest_and_tables_them_all(lite):
    """30 more programs: the ranking draws the 12 highest and 12 lowest (a chart of every program outgrew any screen
    and printed page), says how many it leaves out and where they are, and the table view ranks every one."""
    add_programs(lite.scenario.world.agency_a, 30)
    _, body = open_page(lite, "/dashboards/state", who="trainer", **WINDOW)
    programs = table_rows(body, "programs")
    assert len(programs) == 32 and [row[2] for row in programs[:31]] == [str(rank) for rank in range(1, 32)]
    assert programs[0][5] == "100" and programs[30][5] == "0"  # Ranked IMR with 5 of 5 engaged, then 0 of 5
    rows = list(reversed(embedded_figures(body)["programs"]["layout"]["yaxis"]["categoryarray"]))
    names = [f"{row[0]} ({row[1]})" for row in programs[:31]]
    assert rows == names[:12] + ["\u22ef 7 more programs \u22ef"] + names[-12:]
    assert ("The chart draws the 12 highest and the 12 lowest of the 31 programs; the table lists every one, "
            "ranked.") in html.unescape(body)
    assert "1 program with fewer than 5 participants offered sessions is listed in the table only." in body


def test_overview_filters(lite):
    world = lite.scenario.world
    _, body = open_page(lite, "/dashboards/state", who="trainer", agency=str(world.agency_b.id), **WINDOW)
    assert [row[0] for row in table_rows(body, "programs")] == ["Beta IMR"] and "Alpha IMR</a>" not in body
    _, body = open_page(lite, "/dashboards/state", format="individual", **WINDOW)
    assert [row[3] for row in table_rows(body, "programs")] == ["2", "0"]
    _, body = open_page(lite, "/dashboards/state", who="trainer", program=str(world.program_a.id), **WINDOW)
    assert "Agency: Agency Alpha (AAA) · Program: Alpha IMR" in body  # one program chosen: its agency named
    assert [row[0] for row in table_rows(body, "programs")] == ["Alpha IMR"]
    assert '<option value="%d" selected>Alpha IMR (AAA)</option>' % world.program_a.id in body
    response, body = open_page(lite, "/dashboards/state", agency=str(world.agency_b.id), program=str(world.program_a.id))
    assert response.status_code == 400 and "does not belong to Agency Beta" in body


def test_manager_overview_is_their_own_agency(lite):
    response, body = open_page(lite, "/dashboards/state", **WINDOW)
    assert response.status_code == 200 and "<h1>Engagement overview: Agency Alpha</h1>" in body
    assert "Agency: Agency Alpha (AAA) · All programs" in body
    assert "Beta" not in body and "BBB" not in body
    assert lite.client.get("/dashboards/state", query_string={"agency": lite.scenario.world.agency_b.id}).status_code \
        == 404


def test_menu_and_program_page_links(lite):
    world = lite.scenario.world
    _, body = open_page(lite, f"/programs/{world.program_a.id}", who="trainer")
    assert '<a href="/dashboards/state">State overview</a>' in body
    assert f'<a href="/dashboards/programs/{world.program_a.id}">Engagement dashboard</a>' in body
    _, body = open_page(lite, f"/teams/{lite.scenario.group.id}")
    assert f'<a href="/dashboards/teams/{lite.scenario.group.id}">Engagement dashboard</a>' in body


def test_clerk_has_no_dashboard_links(lite):
    _, body = open_page(lite, f"/programs/{lite.scenario.world.program_a.id}", who="clerk_a")
    assert "/dashboards/" not in body


def test_the_default_window_and_the_download_date_are_the_local_day(lite, los_angeles_evening):
    """18:30 in Los Angeles (01:30 UTC): the last 12 months end on 10 Mar, not on a UTC server's 11th."""
    url = f"/dashboards/programs/{lite.scenario.world.program_a.id}"
    response, body = open_page(lite, url)
    assert response.status_code == 200 and "Window: 11 Mar 2025 to 10 Mar 2026" in body
    about = load_workbook(io.BytesIO(lite.client.get(f"{url}/download").data))["About"]
    assert dict(about.iter_rows(values_only=True))["Downloaded on"] == "10 Mar 2026, 18:30 PDT"


def test_presets_and_one_date_format(lite):
    url = f"/dashboards/programs/{lite.scenario.world.program_a.id}"
    response, body = open_page(lite, url, **WINDOW)
    assert 'id="f-from" name="from" type="text"' in body and 'value="1 Jan 2026"' in body
    assert 'value="31 Mar 2026"' in body and "Dates as 1 Dec 2025." in body
    newest = [row[-2] for row in table_rows(body, "teams")]  # the teams table's "Newest session recorded" (was ISO)
    assert newest and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", d) for d in newest), newest
    for words in ("Last 3 months", "Last 6 months", "Last 12 months", "This fiscal year", "Since program start"):
        assert f">{words}</a>" in body
    assert f'href="{url}?preset=start"' in body
    response, body = open_page(lite, url, preset="start")
    assert response.status_code == 200 and "Window: 12 Jan 2026 to " in body  # the caseload's first session
    response, body = open_page(lite, url, **{"from": "1 Feb 2026", "to": "28 Feb 2026"})
    assert response.status_code == 200 and "Window: 1 Feb 2026 to 28 Feb 2026" in body


def test_preset_with_no_data_and_bad_dates_say_so(lite):
    url = f"/dashboards/teams/{lite.scenario.group.id}"
    lite.app.config["DASHBOARD_FISCAL_YEAR_START_MONTH"] = 1
    response, body = open_page(lite, url, preset="fy")
    assert f"Window: 1 Jan {date.today().year} to" in body  # the fiscal year's first month is a setting
    response, body = open_page(lite, url, preset="3m")  # the scenario's sessions are from February 2026
    assert response.status_code == 200 and 'class="empty-state"' in body
    assert "No IMR sessions were recorded for this team from" in body
    response, body = open_page(lite, url, **{"from": "1 Mar 2026", "to": "1 Feb 2026"})
    assert response.status_code == 400 and "after it ends on 1 Feb 2026" in html.unescape(body)
    response, body = open_page(lite, url, preset="decade")
    assert response.status_code == 400 and "The preset 'decade' is not known" in html.unescape(body)


def test_preset_links_keep_the_filters_and_only_them(lite):
    """A query string naming the page's own id (or url_for's words) is a page, not a 500, and no odd link."""
    url = f"/dashboards/teams/{lite.scenario.group.id}"
    response, body = open_page(lite, url, team_id="1", endpoint="x", _external="1", _scheme="javascript", format="group")
    assert response.status_code == 200
    assert f'href="{url}?format=group&amp;preset=start"' in body and "javascript:" not in body
    url = f"/dashboards/programs/{lite.scenario.world.program_a.id}"
    response, body = open_page(lite, url, program_id="1")
    assert response.status_code == 200 and f'href="{url}?preset=start"' in body


def test_a_chart_with_every_value_withheld_is_not_drawn(lite):
    """Beta IMR has 3 participants: every team bar and every month's point is withheld. An empty frame with only the
    target line looked broken; the caption says why there is no chart, and the table view keeps the counts."""
    response, body = open_page(lite, f"/dashboards/programs/{lite.scenario.world.program_b.id}", who="trainer",
                               **WINDOW)
    assert response.status_code == 200
    figures = embedded_figures(body)
    assert "teams" not in figures and "trend" not in figures and 'id="plot-teams"' not in body
    assert body.count("No chart is drawn: nothing in this window has enough participants for a percentage") == 2
    assert table_rows(body, "teams")[0][:6] == ["Beta group", "group", "3", "3", "0", "n<5"]
    assert "modules" in figures  # counts are drawn whatever the group's size


def test_a_team_with_a_roster_and_no_session_yet_says_who_is_waiting(lite):
    """The empty state ("no sessions were recorded") said nothing of the two people enrolled and waiting since
    referral: the manager could not tell a team not started from a roster never uploaded."""
    team = make_team(lite.scenario.world.program_a, "New group")
    make_participant(team, "N001", start=date(2026, 3, 2), referral=date(2026, 2, 1))
    make_participant(team, "N002", start=date(2026, 3, 9))
    db.session.commit()
    response, body = open_page(lite, f"/dashboards/teams/{team.id}", **WINDOW)
    assert response.status_code == 200
    assert "No IMR sessions were recorded for this team from 1 Jan 2026 to 31 Mar 2026" in body
    assert "Waiting for a first session: 2, longest wait 58 days." in body  # 1 Feb to 31 Mar
