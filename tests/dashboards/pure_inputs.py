"""Load the database's participants, sessions and attendance as the plain values scoring/engagement.py takes."""
from sqlalchemy import select

from extensions import db
from models import Attendance, Participant, Session, Team
from scoring.engagement import Enrolment, SessionHeld, enrolled_in, measure


class PureState:
    def __init__(self):
        self.people = [Enrolment(p.id, p.team_id, p.format, p.start_date, p.end_date, p.referral_date)
                       for p in db.session.scalars(select(Participant))]
        self.program_of = dict(db.session.execute(select(Team.id, Team.program_id)).all())
        self.sessions = [SessionHeld(s.id, s.team_id, s.participant_id, s.session_date, s.module)
                         for s in db.session.scalars(select(Session))]
        self.statuses = {}
        for a in db.session.scalars(select(Attendance)):
            self.statuses.setdefault(a.participant_id, {})[a.session_id] = a.status
        self.by_team, self.by_person = {}, {}
        for s in self.sessions:
            if s.participant_id is None:
                self.by_team.setdefault(s.team_id, []).append(s)
            else:
                self.by_person.setdefault(s.participant_id, []).append(s)

    def sessions_for(self, person):
        """Only the sessions that could be offered to the person (the pure functions filter them again)."""
        return self.by_team.get(person.team_id, []) + self.by_person.get(person.id, [])

    def sessions_offerable_to(self, people):
        """The sessions (in their order) that could be offered to any of `people`: their teams' group sessions and
        their own. The pure functions measure a person on these as on all sessions (they keep only those), in a
        fraction of the time: given every session, a program's trend took 7.9 million comparisons."""
        teams, ids = {p.team_id for p in people}, {p.id for p in people}
        return [s for s in self.sessions
                if (s.team_id in teams if s.participant_id is None else s.participant_id in ids)]

    def people_in(self, window, keep=lambda p: True):
        return [p for p in self.people if enrolled_in(p, window) and keep(p)]

    def measures(self, people, window, threshold=0.5):
        return {p.id: measure(p, self.sessions_for(p), self.statuses.get(p.id, {}), window, threshold)
                for p in people}
