"""Import kinds declared as data: each declaration drives the template, the reader, the validator and the help page.

A column's `type` names a converter in imports/reading/cells.py. `place` says where a column lives in a sheet:
"column" (a header in the header row; most kinds), and for the attendance grid "label" (a labelled cell
above the grid, e.g. Team), "key" (the column down the left: client codes), "across" (the session dates
across the header row), "across_row" (a labelled row giving each date column a value: Module) and "cell"
(the marks inside the grid).

Each kind names its handler (a dotted path, imported when first used) and the permission needed to import it
(auth/permissions.py says which roles hold it).
Handlers read a record's values by column key (`Kind.fields`), never by position.
"""
from dataclasses import dataclass, field
from importlib import import_module
from operator import itemgetter

from fidelity.scales.definition import shipped_names

HEADLINE_SCALE, SCALE_NAMES = shipped_names()  # the shipped scale files say which is headline

# A cell holding this word (any case) empties a stored optional value; a blank cell keeps what is stored.
CLEAR_WORD = "clear"
# What clerks and exports write in a cell with nothing to record (any case): blank where a value is optional (it
# keeps what is stored, as a blank does), refused where one is required. A rating's NA is "not applicable" instead.
NOTHING_WORDS = ("n/a", "na", "n.a.", "none", "null", "-", "--", "\u2013", "\u2014")

# Spellings accepted for attendance; the first of each is what templates offer in their drop-down.
# P/NS are how many agencies' grids mark present / no-show; a late arrival (L) attended the session.
ATTENDED_MARKS = {
    "attended": ("Y", "yes", "1", "x", "true", "✓", "✔", "☑", "✅", "attended", "present", "p", "pres", "l",
                 "late"),
    "absent": ("N", "no", "0", "false", "absent", "a", "✗", "✘", "ns", "n/s", "no show", "no-show", "noshow", "dna",
               "did not attend", "missed", "abs"),
    "excused": ("E", "excused", "exc", "ex"),
}
# A grid column whose cells, Module cell or header say one of these is a session that did not take place:
# it is not recorded, so it is not offered to anyone.
CANCELLED_MARKS = ("C", "cancelled", "canceled", "cancel", "canc", "cxl", "session cancelled",
                   "session canceled", "no session", "no group")

FORMAT_ALIASES = {"group": ("group", "g", "groups"),
                  "individual": ("individual", "i", "ind", "1:1", "one to one", "one-to-one")}

NOT_APPLICABLE = ("na", "n/a", "not applicable", "n.a.")
# Other headers people write, from public-sector data collection (SAMHSA TEDS and SPARS, HUD HMIS) and EHR
# exports, and what a clerk types; matched without case, spaces or punctuation ('#' reads 'number').
FORMAT_SYNONYMS = ("imr format", "group or individual", "group/individual", "individual/group", "modality",
                   "service modality", "imr modality", "delivery format", "treatment format", "session format",
                   "format (group/individual)", "group vs individual")
MAX_ITEMS = 16  # the longest scale (IT-IS); shorter scales leave the last item columns blank


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header templates write and help pages show
    type: str  # text, code, date, int, choice, attended, rating
    required: bool = False
    help: str = ""
    example: object = None
    synonyms: tuple = ()  # other headers people use for it
    aliases: dict = field(default_factory=dict)  # choice: value -> accepted spellings
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    place: str = "column"
    clearable: bool = False  # CLEAR_WORD empties the stored value (optional fields kept on a record only)
    past_only: bool = False  # a date of something that has happened: refused when after today (the service's zone)


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    unit: str  # what one counted row is, plural ("participants", "attendance rows")
    sheet_title: str  # the data sheet's name in the template
    summary: str
    identity: str  # what decides whether a row is new or an update, in plain words
    columns: tuple
    layout: str = "rows"  # "rows": one header row, one record per row; "grid": see the module docstring
    notes: tuple = ()
    handler: str = ""  # "module:Class" checking and writing this kind's records
    handler_options: tuple = ()  # (name, value) pairs passed to the handler, e.g. (("grid", True),)
    adds_participants: bool = False  # a new client code is a new participant (elsewhere: an unknown one)
    permission: str = "imports.upload"  # needed to import this kind (auth/permissions.py)
    # needed to see an import of this kind at all: its file, problems and preview hold the kind's data
    read_permission: str = "imports.read"

    def column(self, key):
        return next(c for c in self.columns if c.key == key)

    def make_handler(self, conn, agency_id, fields):
        """The handler for a run: `fields` are the column keys the reader's values are aligned with."""
        module, name = self.handler.split(":")
        return getattr(import_module(module), name)(conn, agency_id, fields, **dict(self.handler_options))

    @property
    def clear_word(self):
        return CLEAR_WORD

    @property
    def clearing(self):
        """How blanks and CLEAR_WORD work for this kind, in words, for the template and the help page."""
        labels = [c.label for c in self.columns if c.clearable]
        if not labels:
            return ("A blank cell (or one saying N/A, none or -), or a column left out of the file, changes nothing "
                    "that is recorded. "
                    "Records of this kind are never changed by an import, so nothing can be cleared.")
        return (f"A blank cell (or one saying N/A, none or -), or a column left out of the file, keeps what is "
                f"recorded. To empty a recorded "
                f"value, write the word {CLEAR_WORD} in its cell (any case); it works in these columns: "
                f"{', '.join(labels)}. The preview shows such a value as (cleared).")

    def placed(self, *places):
        return [c for c in self.columns if c.place in places]


CLIENT_CODE = Column("client_code", "Client code", "code", True, example="A00123", max_length=64,
                     synonyms=("client", "client id", "client number", "client no", "code", "participant",
                               "participant id", "participant code", "id", "client identifier", "consumer id",
                               "consumer number", "patient id", "member id", "person id", "personal id",
                               "unique client id", "case number", "case no", "mrn", "medical record number",
                               "record number", "chart number", "participant number", "ehr id"),
                     help="The agency's own code for the person, exactly as in your records (never a name). "
                          "Leading zeros are kept; format the column as text.")
TEAM = Column("team", "Team", "text", True, example="Monday evening group",
              synonyms=("team name", "group", "group name", "caseload", "imr group", "imr group name", "imr team",
                        "act team", "treatment team", "assigned team", "program team", "group/team",
                        "team/group", "clinician caseload", "caseload name"),
              help="The team's name as it appears on the team's page.")
PROGRAM = Column("program", "Program", "text", example="Outpatient IMR groups",
                 synonyms=("programme", "program name", "programme name", "imr program", "service program",
                           "agency program", "program/service"),
                 help="Needed only when two programs of the agency have teams of the same name.")
SESSION_DATE = Column("session_date", "Session date", "date", True, example="2026-03-02",
                      synonyms=("date", "session", "date of session", "session day", "date of service",
                                "service date", "dos", "group date", "date held", "contact date", "date of contact",
                                "appointment date", "meeting date", "class date"),
                      help="The day the session took place; not in the future.", past_only=True)
MODULE = Column("module", "Module", "int", True, example=3, minimum=1, maximum=11,
                synonyms=("imr module", "module number", "module no", "imr module number", "curriculum module",
                          "module covered", "module taught", "mod", "mod no", "imr mod"),
                help="The IMR module covered, 1 to 11 (3rd edition numbering); M3 or Module 3 is read as 3.")
ATTENDED = Column("attended", "Attended", "attended", True, example="Y",
                  synonyms=("attendance", "present", "status", "attended?", "attended (y/n)", "attendance (y/n)",
                            "attendance status", "attendance mark", "present/absent", "show/no show", "showed",
                            "did attend", "participation", "p/a"),
                  help="Y, Yes, 1, X, TRUE or a tick for attended; N, No, 0 or FALSE for absent; E for excused.")

ROSTER = Kind(
    key="roster", title="Roster (participants)", unit="participants", sheet_title="Roster", adds_participants=True,
    summary="One row per participant: who is in which team, and when they were referred, started and ended.",
    identity="A participant is identified by the agency and the client code: a code already known is updated, "
             "a new code is added. Participants missing from the file are left as they are.",
    columns=(
        CLIENT_CODE, TEAM, PROGRAM,
        Column("referral_date", "Referral date", "date", example="2026-01-12",
               synonyms=("referral", "referred", "date referred", "referred on", "date of referral",
                         "referred date", "ref date", "referral dt", "referral received", "date referral received",
                         "dor", "imr referral date", "date referred to imr"),
               help="When the person was referred to IMR; on or before the start date.", clearable=True),
        Column("start_date", "Start date", "date", True, example="2026-02-02",
               synonyms=("start", "started", "enrolment date", "enrollment date", "date started", "admission date",
                         "date of admission", "admit date", "admission", "intake date", "date of intake",
                         "entry date", "project start date", "program start date", "imr start date", "start dt",
                         "date enrolled", "date of enrollment"),
               help="When the person started IMR."),
        Column("end_date", "End date", "date", example=None,
               synonyms=("end", "ended", "discharge date", "discharged", "exit date", "date ended",
                         "date of discharge", "discharge dt", "disch date", "d/c date", "project exit date",
                         "program end date", "imr end date", "closure date", "date closed",
                         "termination date", "end dt", "date of exit"),
               help="When the person left IMR; blank keeps what is recorded.", clearable=True),
        Column("end_reason", "End reason", "text", example=None,
               synonyms=("reason", "discharge reason", "exit reason", "reason ended", "reason for discharge",
                         "reason for leaving", "reason for exit", "closure reason", "reason closed",
                         "reason for closure", "discharge status", "termination reason", "reason for ending",
                         "d/c reason"),
               help="Why the person left (e.g. Completed IMR, Moved away); only with an end date.", clearable=True),
        Column("format", "Format", "choice", example="group", aliases=FORMAT_ALIASES,
               synonyms=FORMAT_SYNONYMS,
               help="group or individual; blank keeps what is recorded (a new participant takes the team's format)."),
    ),
    handler="imports.kinds.roster:RosterImport",
)

SESSIONS = Kind(
    key="sessions", title="Sessions with attendance", unit="attendance rows", sheet_title="Sessions",
    summary="One row per participant per session: the session (team, date, module, and optionally its "
            "length, topic and facilitator) and whether the participant attended.",
    identity="A group session is identified by team, date and module; an individual session (a team whose "
             "format is individual) by participant, date and module. Attendance is identified by participant "
             "and session: a known one is updated, a new one added. Nothing missing from the file is removed.",
    columns=(
        TEAM, PROGRAM, SESSION_DATE, MODULE, CLIENT_CODE, ATTENDED,
        Column("minutes", "Minutes", "int", example=60, minimum=1, maximum=600,
               synonyms=("length", "duration", "length (minutes)", "mins", "session length", "session minutes",
                         "duration (minutes)", "duration (min)", "length of session", "session duration",
                         "time (minutes)", "total minutes", "min", "minutes of service"),
               help="How long the session lasted, in minutes (60 min, or a time typed as hours and minutes, 1:00, "
                    "is read too).", clearable=True),
        Column("topic", "Topic", "text", example="Stress and coping",
               synonyms=("session topic", "subject", "topic covered", "topics", "session title", "lesson",
                         "session focus", "content", "topic/skill", "skill taught", "focus of session"),
               help="What the session covered, in a few words.", clearable=True),
        Column("facilitator", "Facilitator", "text", example="A. Rivera",
               synonyms=("practitioner", "clinician", "leader", "staff", "facilitated by", "facilitator name",
                         "group leader", "group facilitator", "staff name", "clinician name", "provider",
                         "rendering provider", "therapist", "counselor", "led by", "imr practitioner",
                         "staff member"),
               help="Who led the session; a name the agency has not used before is added to its facilitators.",
               clearable=True),
    ),
    handler="imports.kinds.attendance:AttendanceImport",
    notes=("Rows for the same session must agree on its minutes, topic and facilitator.",
           "The session date must fall inside the participant's enrolment (start date to end date)."),
)

GRID = Kind(
    key="attendance_grid", title="Attendance grid", unit="attendance marks", sheet_title="Grid", layout="grid",
    summary="One sheet per team: participants down the left, session dates across the top, attendance marks in "
            "the cells; optionally a Team row (or the team chosen on the upload form) and a Module row.",
    identity="Each marked cell is one participant at one session, identified like the sessions import: team, "
             "date and module for group sessions, participant, date and module for individual ones. A blank "
             "cell records nothing and removes nothing.",
    columns=(
        Column("team", "Team", "text", example="Monday evening group", place="label", synonyms=TEAM.synonyms,
               help="In the cell right of the label 'Team' above the grid. Without a Team row, choose the team on "
                    "the upload form; a Team row that names another team than the one chosen is refused."),
        Column("program", "Program", "text", example=None, place="label", synonyms=PROGRAM.synonyms,
               help=PROGRAM.help),
        Column("client_code", "Client code", "code", True, example="A00123", max_length=64, place="key",
               synonyms=CLIENT_CODE.synonyms, help=CLIENT_CODE.help),
        Column("module", "Module", "int", example=3, minimum=1, maximum=11, place="across_row",
               synonyms=MODULE.synonyms,
               help="Optional: a row labelled 'Module' giving each date column its module, 1 to 11. Without it (or "
                    "in a blank cell) the session is recorded with its module not recorded; module figures leave "
                    "such sessions out and say how many."),
        Column("session_date", "Session date", "date", True, example="2026-03-02", place="across",
               help="Each column header right of 'Client code' is a session date. Dates set out ahead are fine; "
                    "a mark under a date after today is refused, as a future session is.", past_only=True),
        Column("attended", "Attended", "attended", example="Y", place="cell",
               help=ATTENDED.help + " Also P (present), L (late: attended) and NS (no-show: absent). Blank: no "
                    "record. C or Cancelled in a column's cells, in its Module cell or beside its date marks a "
                    "cancelled session: it is not recorded and not counted as offered."),
    ),
    notes=("Several teams: one sheet each.",
           "A mark outside a participant's enrolment is refused; blank cells before a participant's start or after "
           "their end record nothing and are not counted as absences.",
           "A cancelled column must have no attendance marks."),
    handler="imports.kinds.attendance:AttendanceImport", handler_options=(("grid", True),),
)

RATING_COLUMNS = tuple(
    Column(f"item_{n}", f"Item {n}", "rating", example=4 if n <= 13 else None,
           synonyms=(f"item{n}", f"i{n}", f"item #{n}", f"item no {n}", f"q{n}", f"question {n}",
                     f"item {n} rating", f"item {n} score", f"rating {n}", f"score {n}"),
           help="Consensus rating, a whole number in the scale version's own range (1-5 on the shipped scales); "
                "NA (or blank) where the scale allows not applicable; blank for items the scale does not have.")
    for n in range(1, MAX_ITEMS + 1))

FIDELITY_HISTORY = Kind(
    key="fidelity_history", title="Historical fidelity ratings", unit="visits", sheet_title="Ratings",
    summary="One row per past fidelity visit: program, optional team, scale, format, visit date and the "
            "consensus rating of each item. Each visit is recorded as a final assessment.",
    identity="A visit is identified by program, team, scale, format and visit date. A visit already recorded "
             "is left as it is (final assessments are amended on their own page, never by an import).",
    columns=(
        Column("program", "Program", "text", True, example="Outpatient IMR groups",
               synonyms=(*PROGRAM.synonyms, "site", "program site", "program rated", "program reviewed"),
               help="The program rated."),
        Column("team", "Team", "text", example=None, synonyms=TEAM.synonyms,
               help="The team rated, if the visit rated one team rather than the whole program."),
        Column("scale", "Scale", "text", True, example=HEADLINE_SCALE, max_length=120,
               synonyms=("instrument", "fidelity scale", "scale name", "fidelity instrument", "instrument name",
                         "tool", "fidelity tool", "measure", "fidelity measure", "rating scale", "scale used",
                         "review type"),
               help=f"Any scale the service knows, by its key or title (e.g. {SCALE_NAMES}, or a state's own "
                    "scale); the scales page lists them."),
        Column("format", "Format", "choice", True, example="group", aliases=FORMAT_ALIASES,
               synonyms=FORMAT_SYNONYMS, help="group or individual: decides which items apply."),
        Column("visit_date", "Visit date", "date", True, example="2025-06-10",
               synonyms=("date", "date of visit", "assessment date", "review date", "fidelity visit date",
                         "site visit date", "date of review", "date of assessment", "rating date", "date rated",
                         "fidelity review date", "date visited"),
               help="The day of the fidelity visit; not in the future."),
        Column("scale_version", "Scale version", "text", example=None, max_length=40,
               synonyms=("version", "instrument version", "version of scale", "scale revision", "revision",
                         "edition", "scale edition"), help="Blank for the current version of the scale."),
        *RATING_COLUMNS,
        Column("note", "Note", "text", example=None, max_length=2000,
               synonyms=("notes", "comment", "comments", "remarks", "reviewer notes", "reviewer comments",
                         "observations", "visit notes", "notes/comments", "reviewer remarks"),
               help="Anything worth keeping about the visit."),
    ),
    handler="imports.kinds.ratings:HistoryImport", permission="imports.upload_state_kinds",
    read_permission="fidelity.read_scores",  # the file holds item ratings: clerks see no fidelity scores
)

# A paper Goal Tracking Sheet has one line per goal or step with its follow-up dates beside it: so does the
# template. Reviews are only ever added (a blank review cell removes none), so a clerk can keep the latest
# dates on the sheet and drop older ones once imported.
MAX_REVIEWS = 12
GOAL_LEVEL_ALIASES = {
    "long_term": ("long-term goal", "long_term", "long term goal", "long-term", "long term", "ltg", "lt", "goal"),
    "short_term": ("short-term goal", "short_term", "short term goal", "short-term", "short term", "stg", "st"),
    "step": ("step", "steps", "action step", "s"),
}
GOAL_STATUS_ALIASES = {
    "active": ("active", "open", "in progress", "ongoing", "current"),
    "achieved": ("achieved", "met", "done", "completed", "complete", "accomplished"),
    "revised": ("revised", "changed", "modified", "replaced"),
    "stopped": ("stopped", "dropped", "discontinued", "abandoned", "closed", "not pursued"),
}
REVIEW_COLUMNS = tuple(
    Column(f"review_{n}", f"Review {n}", "date", example="2026-03-09" if n == 1 else None,
           synonyms=(f"review date {n}", f"review{n}", f"follow-up {n}", f"follow up {n}", f"follow-up date {n}",
                     f"followup {n}", f"reviewed {n}", f"date reviewed {n}", f"progress review {n}"),
           help="A date the goal was reviewed with the person; on or after the date set. Reviews already "
                "recorded are kept: a blank cell or a column left out removes none.")
    for n in range(1, MAX_REVIEWS + 1))

GOALS = Kind(
    key="goals", title="Goal tracking", unit="goals and steps", sheet_title="Goals",
    summary="One row per long-term goal, short-term goal or step, as on the IMR Goal Tracking Sheet: the "
            "participant, the goal's reference and the goal it is part of, when it was set, its target date and "
            "status, and the dates it was reviewed.",
    identity="A goal is identified by client code and goal reference: a known one is updated, a new one added. "
             "Review dates not yet recorded are added. Goals missing from the file are left as they are.",
    columns=(
        CLIENT_CODE,
        Column("reference", "Goal reference", "text", True, example="LT1", max_length=40,
               synonyms=("goal ref", "reference", "ref", "goal id", "goal number", "goal no", "goal code",
                         "goal", "goal label"),
               help="Your own label for this goal or step, unique for the person (e.g. LT1, ST1.2, S1.2.3)."),
        Column("level", "Level", "choice", True, example="long-term goal", aliases=GOAL_LEVEL_ALIASES,
               synonyms=("goal level", "type", "goal type", "kind", "goal kind", "tier"),
               help="long-term goal, short-term goal or step."),
        Column("part_of", "Part of", "text", example=None, max_length=40,
               synonyms=("parent", "parent goal", "parent reference", "belongs to", "goal it is part of",
                         "under goal", "for goal", "linked goal", "parent ref"),
               help="For a short-term goal: the reference of its long-term goal; for a step: the reference of its "
                    "short-term goal. Blank for a long-term goal."),
        Column("date_set", "Date set", "date", True, example="2026-02-02",
               synonyms=("set", "date goal set", "start date", "date started", "goal date", "date agreed",
                         "date created", "set on"),
               help="When the goal or step was set; not before the goal it is part of."),
        Column("target_date", "Target date", "date", example=None,
               synonyms=("target", "due date", "due", "by when", "target completion date", "expected date",
                         "date due"),
               help="When it should be achieved. Blank for a new goal: the Rule of Sixes (long-term goal 6 months, "
                    "short-term goal 6 weeks, step 6 days after the date set); blank for a known one keeps it."),
        Column("status", "Status", "choice", example="active", aliases=GOAL_STATUS_ALIASES,
               synonyms=("goal status", "outcome", "progress", "state", "result"),
               help="active, achieved, revised or stopped; blank: active for a new goal, as recorded for a known one."),
        Column("wording", "Goal wording", "text", example=None, max_length=1000,
               synonyms=("wording", "goal text", "description", "goal description", "goal statement", "what"),
               help="Optional, and kept only if the agency has turned on keeping goal wording (it can be "
                    "personal); otherwise it is ignored with a warning. Never a name.", clearable=True),
        *REVIEW_COLUMNS,
    ),
    notes=("Write a long-term goal's row before or after its short-term goals and steps: the file is checked whole.",
           "Every step must be part of a short-term goal and every short-term goal part of a long-term goal, of "
           "the same person, in the file or already recorded."),
    handler="imports.kinds.goals:GoalImport",
)

KINDS = {kind.key: kind for kind in (ROSTER, SESSIONS, GRID, FIDELITY_HISTORY, GOALS)}


def fields_getter(fields, *keys):
    """values -> the values of these column keys, in this order, for records aligned with `fields`."""
    at = [list(fields).index(key) for key in keys]
    return itemgetter(*at) if len(at) > 1 else (lambda values, _i=at[0]: (values[_i],))


def kinds_for(user):
    """The kinds this user may import, in declaration order."""
    return {key: kind for key, kind in KINDS.items() if user.can(kind.permission)}
