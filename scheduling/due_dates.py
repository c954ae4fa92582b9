"""When a program's next fidelity visit is due: a pure function of its policy and its final visits.

Default rhythm (state practice): a baseline visit, then every 6 months after the last final visit on the
headline scale until that visit is in the scale's high band (its scale file says which band, and where it
starts), then every 12 months; back to 6 when it drops.
The program as a whole and each team are separate units (as on the fidelity pages): each is due on its own rhythm
from its own latest visit, and the program's next visit is the soonest of them. A visit of the whole program
covers its teams, so only team visits after it count: one team's high score never postpones the rest.
No Flask or SQLAlchemy here, so the rules are tested with plain tables of cases.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from date_text import day
from scoring.fidelity import round_half_up  # as the fidelity pages round: 3.125 -> 3.13, not to even
from scoring.goals import add_months  # one month rule for goals, windows and due dates: Aug 31 + 6 = Feb 28/29

UPCOMING_DAYS = 30  # a visit due within this many days is "upcoming"
MAX_INTERVAL_MONTHS = 60  # a longer gap is almost certainly a typing slip


@dataclass(frozen=True)
class Policy:
    """A program's reassessment rhythm, in whole months."""

    baseline_months: int = 0  # baseline visit due this long after the program was created (0 = at once)
    interval_months: int = 6  # after a final visit below the high band
    high_interval_months: int = 12  # after a final visit in the high band

    def describe(self) -> str:
        baseline = "at once" if self.baseline_months == 0 else f"{self.baseline_months} months after the start"
        return (f"Baseline {baseline}; then every {self.interval_months} months, "
                f"every {self.high_interval_months} once high fidelity")


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Visit:
    """A final visit on the headline scale: its date, mean item score and band (either may be missing).

    high_band, high_from and band_label are its scale version's facts (scheduling.queries looks them up).
    """

    visit_date: date
    score: float | None = None
    band: str | None = None
    assessment_id: int | None = None
    high_band: str | None = None  # the key of the band the scale file names as high
    high_from: float | None = None  # where that band starts
    band_label: str | None = None  # the band's name, for messages
    team: str | None = None  # the team's name when the visit rated one team, not the whole program
    team_id: int | None = None
    team_active: bool = True  # a closed team's visits set no date of their own
    finalized_at: datetime | None = None  # when it was made final (UTC)

    @property
    def high(self) -> bool:
        # The band the scale recorded is the authority; the mean decides only where no band was stored.
        # A tiny tolerance keeps a mean exactly at the cut-off high even after floating-point division.
        if self.band is not None:
            return self.band == self.high_band
        return self.score is not None and self.high_from is not None and self.score >= self.high_from - 1e-9

    def describe(self, with_score: bool = True) -> str:
        """The visit in words; with_score=False leaves out its score and band (for readers who may not see them)."""
        visit = f"visit of {self.team} on {day(self.visit_date)}" if self.team else f"visit of {day(self.visit_date)}"
        if not with_score:
            return visit
        score = "no score" if self.score is None else f"mean {round_half_up(self.score, 2)}"
        band = f", {self.band_label or self.band}" if self.band else ""
        return f"{visit} ({score}{band})"


@dataclass(frozen=True)
class NextVisit:
    """The next visit due and what set its date."""

    due_date: date
    kind: str  # "baseline" or "reassessment"
    interval_months: int | None  # None for a baseline visit
    basis: Visit | None  # the final visit the date counts from

    @property
    def team_id(self) -> int | None:
        """The team whose visit is due; None for the program as a whole (also when the basis is a closed team's)."""
        basis = self.basis
        return basis.team_id if basis and basis.team_id and basis.team_active else None

    def explain(self, with_score: bool = True) -> str:
        if self.basis is None:
            return "Baseline visit: no final fidelity visit yet"
        return f"{self.interval_months} months after the {self.basis.describe(with_score)}"


def last_visit(visits) -> Visit | None:
    """The latest final visit; among visits on the same day, the last one given."""
    latest = None
    for visit in visits:
        if latest is None or visit.visit_date >= latest.visit_date:
            latest = visit
    return latest


def counted_visits(visits) -> list[Visit]:
    """The latest visit of each unit that still has a rhythm: the program as a whole, and each open team rated
    since the last whole-program visit. Where none is left (only closed teams were rated), the latest visit."""
    visits = list(visits)
    whole = last_visit(v for v in visits if v.team_id is None)
    teams = {}  # {team_id: its latest visit} (a later one of the same day wins, as in last_visit)
    for visit in visits:
        if visit.team_id is not None and visit.team_active and (whole is None or visit.visit_date > whole.visit_date):
            if visit.team_id not in teams or visit.visit_date >= teams[visit.team_id].visit_date:
                teams[visit.team_id] = visit
    counted = ([whole] if whole else []) + list(teams.values())
    if not counted and visits:
        counted = [last_visit(visits)]
    return counted


def next_visit(policy: Policy, program_start: date, visits) -> NextVisit:
    """When the next visit is due, given the policy, the program's start date and its final visits."""
    due = []
    for basis in counted_visits(visits):
        months = policy.high_interval_months if basis.high else policy.interval_months
        due.append(NextVisit(add_months(basis.visit_date, months), "reassessment", months, basis))
    if not due:
        return NextVisit(add_months(program_start, policy.baseline_months), "baseline", None, None)
    return min(due, key=lambda nxt: nxt.due_date)  # the first given (the whole program) on a tie


def due_status(due_date: date, today: date) -> str:
    """'overdue' after the due date, 'upcoming' from UPCOMING_DAYS before it until the day, else 'scheduled'."""
    if due_date < today:
        return "overdue"
    if due_date <= today + timedelta(days=UPCOMING_DAYS):
        return "upcoming"
    return "scheduled"


def describe_status(due_date: date, today: date) -> str:
    """Plain words for how far off a due date is."""
    days = (due_date - today).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today"
    return f"due in {days} day{'s' if days != 1 else ''}"


# One row per policy field: (name, label, smallest allowed value).
POLICY_FIELDS = [
    ("baseline_months", "Baseline visit (months after the program starts)", 0),
    ("interval_months", "Months between visits below high fidelity", 1),
    ("high_interval_months", "Months between visits at high fidelity", 1),
]


def policy_problems(values: dict) -> dict:
    """{field: message} for every policy value that is missing, not a whole number or out of range."""
    problems = {}
    for name, label, smallest in POLICY_FIELDS:
        value = values.get(name)
        if value is None or value == "":
            problems[name] = f"{label}: enter a whole number of months."
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except ValueError:
                problems[name] = f"{label}: '{value}' is not a whole number of months."
                continue
        if value < smallest:
            problems[name] = (f"{label}: {value} is not allowed; the interval must be at least 1 month, or the "
                              "visit would be due again the day it is done." if smallest == 1 else
                              f"{label}: {value} is not allowed; use 0 for a baseline visit due at once.")
        elif value > MAX_INTERVAL_MONTHS:
            problems[name] = f"{label}: {value} is more than {MAX_INTERVAL_MONTHS} months (5 years)."
    return problems
