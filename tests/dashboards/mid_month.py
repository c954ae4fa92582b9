"""A hand-built state for windows that cut months: two programs whose enrolments start and end mid-month, weekly
group sessions (two on one day), individual sessions (one on a group day), every kind of attendance row; and the
overview's counts of it from the raw rows, in Python (scoring/engagement.py), to hold the SQL to."""
from datetime import date, timedelta

from extensions import db
from models import Participant
from tests.factories import make_agency, make_attendance, make_participant, make_program, make_session, make_team


def build_mid_month():
    """Two programs: weekly group sessions (Mondays, two on 2 Feb), enrolments that start and end mid-month,
    individual sessions (one on a group day), excused, absent and missing attendance rows."""
    agency = make_agency("DAY", "Day agency")
    north, south = make_program(agency, "North IMR"), make_program(agency, "South IMR")
    group, caseload, other = make_team(north, "North group"), make_team(north, "North caseload", "individual"), \
        make_team(south, "South group")
    people = {
        "G1": make_participant(group, "G1", start=date(2026, 1, 1)),
        "G2": make_participant(group, "G2", start=date(2026, 1, 20), end=date(2026, 3, 10)),  # mid-month both ends
        "G3": make_participant(group, "G3", start=date(2026, 2, 3)),  # joins the day after the double session
        "G4": make_participant(group, "G4", start=date(2026, 1, 1)),
        "G5": make_participant(group, "G5", start=date(2025, 12, 1)),
        "I1": make_participant(caseload, "I1", start=date(2026, 1, 10), format="individual"),
        "S1": make_participant(other, "S1", start=date(2026, 1, 1)),
    }
    mondays = [date(2025, 12, 29) + timedelta(days=7 * i) for i in range(15)]  # 29 Dec to 6 Apr
    marks = {"G1": "aaaaeaaaaaaaaaa", "G2": "aaabaaaaaaaaaaa", "G3": "aaaaaaaaaaaaaaa", "G4": "b-e-a-b-a-e-a-a",
             "G5": "-a-a-a-a-a-a-a-", "S1": "abababababababa"}
    status = {"a": "attended", "e": "excused", "b": "absent"}
    for i, day in enumerate(mondays):
        sessions = {group: make_session(group, day, module=i % 11 + 1), other: make_session(other, day)}
        for code, row in marks.items():
            person = people[code]
            session = sessions[other if code == "S1" else group]
            if row[i] != "-" and person.start_date <= day and (person.end_date is None or day <= person.end_date):
                make_attendance(session, person, status[row[i]])
    second = make_session(group, date(2026, 2, 2), module=7)  # a second group session the same day
    for code in ("G1", "G2", "G5"):
        make_attendance(second, people[code], "attended" if code != "G2" else "excused")
    for i, day in enumerate([date(2026, 1, 12), date(2026, 1, 31), date(2026, 2, 2), date(2026, 2, 28),
                             date(2026, 3, 1), date(2026, 3, 15)]):
        own = make_session(caseload, day, participant=people["I1"])
        if i % 3 != 2:
            make_attendance(own, people["I1"], "attended" if i % 2 == 0 else "absent")
    g4_own = make_session(caseload, date(2026, 2, 2), participant=people["G4"])  # their own, on a group day
    make_attendance(g4_own, people["G4"])
    db.session.commit()
    return {"north": north.id, "south": south.id}, {code: p.id for code, p in people.items()}


def with_a_gap(people):
    """J1: own sessions on 5 Jan (attended), 20 Mar (attended) and 27 Mar (absent), none in February; J2 one
    session on 16 Feb only (a participant whose first and last month is one)."""
    north = db.session.get(Participant, people["I1"]).team.program
    caseload = make_team(north, "Gap caseload", "individual")
    j1 = make_participant(caseload, "J1", start=date(2026, 1, 1), format="individual")
    j2 = make_participant(caseload, "J2", start=date(2026, 2, 1), format="individual")
    for day, status in ((date(2026, 1, 5), "attended"), (date(2026, 3, 20), "attended"),
                        (date(2026, 3, 27), "absent")):
        make_attendance(make_session(caseload, day, participant=j1), j1, status)
    make_attendance(make_session(caseload, date(2026, 2, 16), participant=j2), j2)
    db.session.commit()
    return j1.id, j2.id


def pure_counts(pure, window, threshold):
    """{program id: (counted, engaged, any participation, sessions attended)} from the raw rows, in Python."""
    totals = {}
    for person, m in pure.measures(pure.people_in(window), window, threshold).items():
        if m.counted:
            t = totals.setdefault(pure.program_of[pure_team(pure, person)], [0, 0, 0, 0])
            t[0] += 1
            t[1] += m.engaged
            t[2] += m.attended >= 1
            t[3] += m.attended
    return {pid: tuple(t) for pid, t in totals.items()}


def pure_team(pure, person_id):
    """The team a participant is filed under, from the plain values."""
    return next(p.team_id for p in pure.people if p.id == person_id)
