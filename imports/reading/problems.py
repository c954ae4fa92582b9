"""Problems found in an upload: where (sheet, row as Excel shows it, column), the value, a rule id, plain words."""
from dataclasses import asdict, dataclass

from spreadsheets.xml_tags import column_letters

MAX_KEPT = 10_000  # problems kept for display and download; all are counted
MAX_PLACES = 200_000  # places remembered to report a repeated problem once (bounds memory on hopeless files)


@dataclass(frozen=True)
class Problem:
    sheet: str | None
    row: int | None
    column: str | None  # e.g. "D (Client code)"
    value: str | None
    rule: str
    message: str
    severity: str = "error"  # "warning": reported, does not stop the import

    def place(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) or "the file"

    def as_dict(self):
        return asdict(self)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the letters of a column counted from 0, as readers count them."""
    return column_letters(index + 1)


def shown(value) -> str | None:
    """A cell value as text for a problem report (dates as yyyy-mm-dd, 3.0 as 3)."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


class Report:
    """Collects problems; counts every one, keeps the first MAX_KEPT, remembers which records were rejected."""

    def __init__(self, max_kept=MAX_KEPT):
        self.max_kept = max_kept
        self.kept: list[Problem] = []
        self.errors = 0
        self.warnings = 0
        self.rejected: set = set()  # record ids (e.g. (sheet index, row)) with at least one error
        self._places: set = set()
        self._cells_in_error: set = set()  # (sheet, row, column) of errors kept, as far as MAX_PLACES

    def add(self, problem: Problem, record=None):
        """Count and keep a problem; the same rule at the same place is reported once (a bad Team label above a
        grid rejects every mark under it, but is one problem)."""
        place = (problem.sheet, problem.row, problem.column, problem.rule, problem.message)
        if place in self._places:
            if record is not None and problem.severity == "error":
                self.rejected.add(record)
            return
        if len(self._places) < MAX_PLACES:
            self._places.add(place)
            if problem.severity == "error":
                self._cells_in_error.add(place[:3])
        if problem.severity == "error":
            self.errors += 1
            if record is not None:
                self.rejected.add(record)
        else:
            self.warnings += 1
        if len(self.kept) < self.max_kept:
            self.kept.append(problem)

    def error(self, rule, message, sheet=None, row=None, column=None, value=None, record=None):
        self.add(Problem(sheet, row, column, shown(value), rule, message), record)

    def has_error_at(self, sheet, row, column) -> bool:
        """Whether this cell was reported wrong already (a cell that could not be read is not also missing)."""
        return (sheet, row, column) in self._cells_in_error

    def warning(self, rule, message, sheet=None, row=None, column=None, value=None):
        self.add(Problem(sheet, row, column, shown(value), rule, message, "warning"))

    @property
    def ok(self) -> bool:
        return self.errors == 0


class RecordErrors:
    """The errors of one record, each reported at its key's cell (sheet.where): called as error(key, value, rule,
    message); `failed` is whether the record is refused (`bad`: the reader refused one of its cells already)."""
    __slots__ = ("report", "sheet", "record", "failed")

    def __init__(self, report, sheet, record, bad):
        self.report, self.sheet, self.record, self.failed = report, sheet, record, bad

    def __call__(self, key, value, rule, message):
        self.failed = True
        row, column = self.sheet.where(self.record, key)
        self.report.error(rule, message, self.sheet.name, row, column, value, self.record)
