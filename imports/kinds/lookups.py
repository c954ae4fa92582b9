"""What an import compares against, loaded in a few queries as plain tuples (no ORM objects: 500k rows)."""
from sqlalchemy import BigInteger, case, cast, func, select

from fidelity.models import Assessment
from imports.reading.cells import CellError, normalise
from models import Attendance, Participant, Practitioner, Program, Session, Team

STATUS_CODES = {"attended": 1, "absent": 2, "excused": 3}
STATUS_NAMES = {code: name for name, code in STATUS_CODES.items()}


class TeamIndex:
    """The agency's programs and teams by name, matched without regard to case and spacing."""

    def __init__(self, conn, agency_id):
        rows = conn.execute(select(Team.id, Team.name, Team.format, Program.id, Program.name)
                            .join(Program, Team.program_id == Program.id)
                            .where(Program.agency_id == agency_id)).all()
        self.programs = {}
        self.teams = {}  # normalised team name -> [(team id, format, program id, program name, team name)]
        self.names = {}  # team id -> name, to show in a preview
        for team_id, team_name, fmt, program_id, program_name in rows:
            self.teams.setdefault(normalise(team_name), []).append((team_id, fmt, program_id, program_name, team_name))
            self.names[team_id] = team_name
        for program_id, program_name in conn.execute(select(Program.id, Program.name)
                                                     .where(Program.agency_id == agency_id)):
            self.programs[normalise(program_name)] = (program_id, program_name)
        self.programs_by_id = {pid: name for pid, name in self.programs.values()}
        self._cache = {}

    def program(self, name):
        """(program id, name) or a CellError."""
        found = self.programs.get(normalise(name))
        if found is None:
            return CellError("program.unknown", f"The agency has no program called '{name}'.")
        return found

    def team(self, name, program=None):
        """(team id, format, program id, program name, team name) or a CellError; memoised per (team, program)."""
        key = (name, program)
        if key not in self._cache:
            self._cache[key] = self._resolve(name, program)
        return self._cache[key]

    def _resolve(self, name, program):
        candidates = self.teams.get(normalise(name), [])
        if program:
            found = self.program(program)
            if isinstance(found, CellError):
                return found
            candidates = [t for t in candidates if t[2] == found[0]]
            if not candidates:
                return CellError("team.unknown", f"Program '{found[1]}' has no team called '{name}'.")
        if not candidates:
            return CellError("team.unknown", f"The agency has no team called '{name}'. Teams are added by an "
                                             "administrator; check the spelling against the team's page.")
        if len(candidates) > 1:
            return CellError("team.ambiguous", f"More than one program has a team called '{name}'; add a Program "
                                               "column to say which.")
        return candidates[0]


def participants(conn, agency_id):
    """{client code: (id, team id, referral, start, end, end reason, format)} of an agency."""
    rows = conn.execute(select(Participant.client_code, Participant.id, Participant.team_id, Participant.referral_date,
                               Participant.start_date, Participant.end_date, Participant.end_reason,
                               Participant.format).where(Participant.agency_id == agency_id))
    return {row[0]: tuple(row[1:]) for row in rows}


def participant_ids(conn, agency_id):
    """{client code: participant id} of an agency, for an import that needs no more of a participant (goals): the
    look-up above reads seven columns, three of them dates (25,000 people on SQLite: 0.07 s of CPU, this 0.03 s)."""
    return dict(conn.execute(select(Participant.client_code, Participant.id)
                             .where(Participant.agency_id == agency_id)).all())


def practitioners(conn, agency_id):
    """{normalised name: id} of an agency's facilitators."""
    rows = conn.execute(select(Practitioner.name, Practitioner.id).where(Practitioner.agency_id == agency_id))
    return {normalise(name): pid for name, pid in rows}


def practitioner_names(conn, agency_id):
    """{id: name as recorded} of an agency's facilitators, to show in a preview."""
    rows = conn.execute(select(Practitioner.id, Practitioner.name).where(Practitioner.agency_id == agency_id))
    return dict(rows.all())


def sessions(conn, team_ids, first, last):
    """{(team id, participant id or 0, date, module or None): (id, minutes, topic, practitioner id)} in a date range.

    A record whose module is not stated (None) finds the one session of its team (or participant) that day,
    whatever its module; with two that day it matches only a session recorded without a module. Sessions
    recorded without a module are also under module 0, for a record that states the module to fill it in.
    """
    if not team_ids:
        return {}
    rows = conn.execute(select(Session.team_id, Session.participant_id, Session.session_date, Session.module,
                               Session.id, Session.minutes, Session.topic, Session.practitioner_id)
                        .where(Session.team_id.in_(sorted(team_ids)), Session.session_date.between(first, last)))
    found, per_day = {}, {}
    for team, pid, day, module, *rest in rows:
        key = (team, 0 if pid is None else pid, day)
        found[(*key, module)] = rest
        if module is None:
            found[(*key, 0)] = rest
        per_day[key] = per_day.get(key, 0) + 1
    for (team, pid, day, module), rest in list(found.items()):
        if per_day[(team, pid, day)] == 1 and module != 0:
            found.setdefault((team, pid, day, None), rest)
    return found


def chosen_team(conn, agency_id, team_id):
    """(team name, program name) of a team of the agency picked on the upload form, or None."""
    if not team_id:
        return None
    return conn.execute(select(Team.name, Program.name).join(Program, Team.program_id == Program.id)
                        .where(Team.id == team_id, Program.agency_id == agency_id)).one_or_none()


def attendance(conn, team_ids, first, last):
    """{session id << 32 | participant id: attendance id << 2 | status code} for sessions in a date range.

    Packed into ints by the database and read through the driver's own cursor into a dict in C: a re-upload
    of 500k rows compares against 500k existing rows, which took 1.6-2 s of CPU as SQLAlchemy rows and
    0.9 s so. Every value in the query is an int or a date of ours, so it is sent with its values in it.
    """
    if not team_ids:
        return {}
    code = case(STATUS_CODES, value=Attendance.status)
    statement = select(cast(Attendance.session_id, BigInteger).bitwise_lshift(32).bitwise_or(Attendance.participant_id),
                       cast(Attendance.id, BigInteger).bitwise_lshift(2).bitwise_or(code)).where(
        Attendance.session_id.in_(select(Session.id).where(Session.team_id.in_(sorted(int(t) for t in team_ids)),
                                                           Session.session_date.between(first, last))))
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    found = {}
    raw = conn.connection.driver_connection  # inside the caller's transaction
    # PostgreSQL: a server-side cursor, so the client holds one batch of rows at a time, not all of them
    cursor = raw.cursor(name="imr_recorded_attendance") if conn.dialect.name == "postgresql" else raw.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(50_000):
            found.update(rows)
    finally:
        cursor.close()
    return found


def assessments(conn, program_ids):
    """{(program id, team id or 0, scale, format, visit date)} already recorded."""
    if not program_ids:
        return set()
    rows = conn.execute(select(Assessment.program_id, Assessment.team_id, Assessment.scale_key, Assessment.format,
                               Assessment.visit_date).where(Assessment.program_id.in_(sorted(program_ids))))
    return {(p, t or 0, s, f, d) for p, t, s, f, d in rows}


def attendance_spans(conn, participant_ids, chunk=500):
    """{participant id: (first, last) session date of the attendance recorded for them}, for those with any."""
    spans, ids = {}, sorted(participant_ids)
    for at in range(0, len(ids), chunk):
        spans.update((pid, (first, last)) for pid, first, last in conn.execute(
            select(Attendance.participant_id, func.min(Session.session_date), func.max(Session.session_date))
            .join(Session, Session.id == Attendance.session_id)
            .where(Attendance.participant_id.in_(ids[at:at + chunk]))
            .group_by(Attendance.participant_id)))
    return spans
