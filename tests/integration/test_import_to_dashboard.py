"""Across features: what a clerk imports is what the manager's dashboard counts, and a final fidelity
visit moves the next due date."""
import re
from datetime import date

from sqlalchemy import delete, select

from dashboards.models import TeamDataChange
from extensions import db
from models import Session
from tests.imports import workbooks as wbk

WINDOW = "from=2026-01-01&to=2026-03-31"


def _team_numbers(client, team_id):
    data = client.get(f"/api/v1/teams/{team_id}/engagement?{WINDOW}").json
    return data["summary"], {p["client_code"]: (p["offered"], p["attended"], p["engaged"])
                             for p in data["participants"]}


def test_imported_roster_and_attendance_reach_the_dashboard(app, client, auth, world, run_import):
    roster = wbk.roster([["A003", "Alpha group", date(2026, 1, 2), date(2026, 1, 5), None, None, "group"],
                         ["A004", "Alpha group", None, date(2026, 2, 9), None, None, "group"]])
    assert run_import(roster, "roster", world.agency_a).status == "committed"
    rows = []
    for day, module in ((date(2026, 2, 2), 1), (date(2026, 2, 9), 2), (date(2026, 2, 16), 2)):
        for code, mark in (("A000", "Y"), ("A001", "N"), ("A002", "Y" if module == 1 else "E"),
                           ("A003", "Y" if day.day != 16 else "N"), ("A004", "Y")):
            if code == "A004" and day < date(2026, 2, 9):
                continue  # not enrolled yet
            rows.append(["Alpha group", day, module, code, mark, 60, None, None])
    batch = run_import(wbk.sessions(rows), "sessions", world.agency_a)
    assert batch.status == "committed", batch.message

    auth.login(world.users["manager_a"])
    summary, people = _team_numbers(client, world.team_a.id)
    # Three sessions offered to those enrolled from January; A004 joined on Feb 9 and was offered two.
    assert people == {"A000": (3, 3, True), "A001": (3, 0, False), "A002": (3, 1, False),
                      "A003": (3, 2, True), "A004": (2, 2, True)}
    assert (summary["counted"], summary["engaged"], summary["pct_engaged"]) == (5, 3, 60.0)

    # A corrected sheet (A002 came to the third session after all) changes the dashboard too.
    rows = [r if not (r[3] == "A002" and r[1] == date(2026, 2, 16)) else [*r[:4], "Y", *r[5:]] for r in rows]
    assert run_import(wbk.sessions(rows), "sessions", world.agency_a).status == "committed"
    summary, people = _team_numbers(client, world.team_a.id)
    assert people["A002"] == (3, 2, True) and summary["engaged"] == 4


def test_the_other_agency_manager_sees_none_of_it(app, client, auth, world, run_import):
    auth.login(world.users["manager_b"])
    assert client.get(f"/api/v1/teams/{world.team_a.id}/engagement?{WINDOW}").status_code == 404


def test_session_counts_follow_imports_and_edits_and_count_a_team_never_stamped(client, auth, world, run_import):
    """The overview's sessions are kept per team with its last data change (a state's 3.5 million sessions took the
    overview 0.5 s to count): they move with an import and an edit, and a team with no change kept is counted."""
    def sessions():
        """The program's sessions in the API and on the overview (its row's last cell)."""
        program = client.get("/api/v1/programs").json["programs"][0]["counts"]["sessions"]
        row = client.get("/").get_data(as_text=True).split('href="/programs/%d"' % world.program_a.id)[1]
        return program, int(re.findall(r'<td class="num">(\d+)</td>', row.split("</tr>")[0])[-1])

    auth.login(world.users["manager_a"])
    assert sessions() == (1, 1)
    rows = [["Alpha group", day, 1, "A000", "Y", 60, None, None] for day in (date(2026, 3, 2), date(2026, 3, 9))]
    assert run_import(wbk.sessions(rows), "sessions", world.agency_a).status == "committed"
    assert sessions() == (3, 3)
    db.session.delete(db.session.scalar(select(Session).where(Session.session_date == date(2026, 3, 9))))
    db.session.commit()
    assert sessions() == (2, 2)
    db.session.execute(delete(TeamDataChange))  # as a team no write has stamped yet
    db.session.commit()
    assert sessions() == (2, 2)
