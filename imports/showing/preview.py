"""An import's preview: its change lines and problems, counted per kind, paged, filtered, and as a workbook."""
import tempfile
from dataclasses import dataclass
from math import ceil

from sqlalchemy import and_, func, select

from extensions import db
from imports.models import ImportChange, ImportProblem

PER_PAGE = 100
MAX_PER_PAGE = 1000
CHANGE_FILTERS = ("all", "new", "changed", "cleared")  # lines of import_change
PROBLEM_FILTERS = ("rejected", "warnings")  # lines of import_problem
FILTERS = CHANGE_FILTERS + PROBLEM_FILTERS
LABELS = {"all": "All changes", "new": "New", "changed": "Changed", "cleared": "Cleared",
          "rejected": "Rejected rows", "warnings": "Warnings"}
CHANGE_COLUMNS = ("Change", "Record", "Client code or session", "Field", "Old value", "New value", "Sheet", "Row")
PROBLEM_COLUMNS = ("Sheet", "Row", "Column", "Value", "Rule", "Problem", "Severity")
CLEARED = "(cleared)"


@dataclass
class Page:
    """One page of preview lines: change lines (ImportChange) or problem lines (ImportProblem)."""
    action: str
    number: int
    per_page: int
    total: int
    lines: list

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.lines else 0

    @property
    def last(self) -> int:
        return self.first + len(self.lines) - 1 if self.lines else 0

    @property
    def problems(self) -> bool:
        return self.action in PROBLEM_FILTERS


def counts(batch) -> dict:
    """Lines per kind: new, changed (not cleared), cleared, all changes, rejected rows, errors, warnings."""
    found = {"new": 0, "changed": 0, "cleared": 0}
    for action, cleared, n in db.session.execute(
            select(ImportChange.action, ImportChange.cleared, func.count()).where(ImportChange.batch_id == batch.id)
            .group_by(ImportChange.action, ImportChange.cleared)):
        key = "cleared" if cleared else action
        found[key] = found.get(key, 0) + n
    found["all"] = found["new"] + found["changed"] + found["cleared"]
    # Rows rejected are counted by the check (problems kept are capped); a file refused whole has no rows.
    found["rejected"] = int((batch.counts or {}).get("rejected") or 0)
    found["errors"], found["warnings"] = batch.errors, batch.warnings
    return found


def default_filter(found) -> str:
    """What the page opens on: the changes, or the problems when there are no changes."""
    if found["all"] or not (found["errors"] or found["warnings"]):
        return "all"
    return "rejected" if found["errors"] else "warnings"


def _change_filter(action):
    return {"all": None, "new": ImportChange.action == "new",
            "changed": and_(ImportChange.action == "changed", ImportChange.cleared.is_(False)),
            "cleared": ImportChange.cleared.is_(True)}[action]


def _problem_filter(action):
    return ImportProblem.severity == ("error" if action == "rejected" else "warning")


def _changes(batch_id, action):
    stmt = select(ImportChange).where(ImportChange.batch_id == batch_id)
    condition = _change_filter(action)
    return stmt.where(condition) if condition is not None else stmt


def _problems(batch_id, action):
    # The file's own problems first, then by place, so that every problem of a row stands together.
    return (select(ImportProblem).where(ImportProblem.batch_id == batch_id, _problem_filter(action))
            .order_by(ImportProblem.sheet_row.is_(None).desc(), ImportProblem.sheet.is_(None).desc(),
                      ImportProblem.sheet, ImportProblem.sheet_row, ImportProblem.id))


def page(batch, action, number=1, per_page=PER_PAGE, clamp=False, found=None) -> Page:
    """One page of the batch's lines of one kind (`action` is one of FILTERS, checked by the caller).

    A page past the end is empty, or with `clamp` the last page (for people following an old link).
    `found` (from counts()) saves counting the change lines again.
    """
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    number = max(int(number), 1)
    if action in PROBLEM_FILTERS:
        stmt = _problems(batch.id, action)
        total = db.session.scalar(select(func.count()).select_from(ImportProblem)
                                  .where(ImportProblem.batch_id == batch.id, _problem_filter(action)))
    else:
        stmt = _changes(batch.id, action).order_by(ImportChange.id)
        total = found[action] if found else db.session.scalar(select(func.count()).select_from(
            _changes(batch.id, action).subquery()))
    if clamp:
        number = min(number, max(1, ceil(total / per_page)))
    lines = db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(action, number, per_page, total, lines)


def change_kind(change) -> str:
    return "cleared" if change.cleared else change.action


def new_value(change) -> str | None:
    return CLEARED if change.cleared else change.new_value


def change_json(change) -> dict:
    return {"action": change_kind(change), "record": change.record, "subject": change.subject, "field": change.field,
            "old_value": change.old_value, "new_value": change.new_value, "cleared": change.cleared,
            "sheet": change.sheet, "row": change.sheet_row}


def change_row(change) -> tuple:
    """A change line as the page and the workbook show it, in CHANGE_COLUMNS order."""
    return (LABELS[change_kind(change)], change.record, change.subject, change.field or "(new record)",
            change.old_value, new_value(change), change.sheet, change.sheet_row)


def problem_row(problem) -> tuple:
    return (problem.sheet, problem.sheet_row, problem.sheet_column, problem.value, problem.rule, problem.message,
            problem.severity)


def workbook(batch, summary):
    """The whole preview as an .xlsx in a temporary file (rewound): every line, streamed, never one page.

    `summary` is [(label, value)] for the first sheet. Lines are read in slices as plain rows and written
    straight into the zip (spreadsheets/xlsx_stream.py), so memory stays flat however many lines there are.
    """
    from spreadsheets.xlsx_stream import write_xlsx

    change_columns = [getattr(ImportChange, name) for name in ("action", "cleared", "record", "subject", "field",
                                                               "old_value", "new_value", "sheet", "sheet_row")]
    changes = (select(*change_columns).where(ImportChange.batch_id == batch.id).order_by(ImportChange.id))
    problems = (select(ImportProblem).where(ImportProblem.batch_id == batch.id)
                .order_by(ImportProblem.severity, ImportProblem.sheet_row.is_(None).desc(), ImportProblem.sheet,
                          ImportProblem.sheet_row, ImportProblem.id))
    out = tempfile.TemporaryFile(prefix="imr-preview-", suffix=".xlsx")
    write_xlsx(out, [("Import", None, summary),
                     ("Changes", CHANGE_COLUMNS, _stream(changes, change_row)),
                     ("Problems", PROBLEM_COLUMNS, _stream(problems, problem_row, scalars=True))])
    out.seek(0)
    return out


def _stream(stmt, as_row, scalars=False):
    """Rows of a query read a slice at a time (a server-side cursor on PostgreSQL), as tuples for a sheet."""
    result = db.session.execute(stmt.execution_options(yield_per=2000))
    for line in (result.scalars() if scalars else result):
        yield as_row(line)
