"""Reading one cell: tolerant where people are messy, strict where guessing would corrupt data."""
from datetime import date, datetime, time

import pytest

from imports.kinds.declarations import FIDELITY_HISTORY, ROSTER, SESSIONS
from imports.reading.cells import CellError, converter

DATE = SESSIONS.column("session_date")
CODE = SESSIONS.column("client_code")


def read(column, raw, date_order=None):
    value = converter(column, date_order)(raw)
    return (value.rule,) if isinstance(value, CellError) else value


@pytest.mark.parametrize("raw, expected", [
    (date(2026, 3, 2), date(2026, 3, 2)),
    (datetime(2026, 3, 2, 18, 30), date(2026, 3, 2)),
    (46083.0, date(2026, 3, 2)),  # an Excel serial in a cell formatted as a number
    ("2026-03-02", date(2026, 3, 2)),
    (" 2026/3/2 ", date(2026, 3, 2)),
    ("25/03/2026", date(2026, 3, 25)),  # day over 12: only one reading
    ("03/25/2026", date(2026, 3, 25)),
    ("7/7/26", date(2026, 7, 7)),  # the same either way
    ("2 March 2026", date(2026, 3, 2)),
    ("March 2, 2026", date(2026, 3, 2)),
    ("02-Mar-2026", date(2026, 3, 2)),
    ("2-Mar-26", date(2026, 3, 2)),  # Excel's d-mmm-yy, as a CSV saves it
    ("15-Mar-98", date(1998, 3, 15)),
    ("3/15/98", date(1998, 3, 15)),  # two-digit years as Excel reads them: 30-99 are 19xx, not 2098
    ("Monday, March 2, 2026", date(2026, 3, 2)),  # Excel's Long Date
    ("Tue, March 2, 2026", ("date.weekday",)),  # 2 March 2026 is a Monday: which is meant?
    ("3/25/2026 0:00", date(2026, 3, 25)),  # m/d/yyyy h:mm, as a CSV saves a date-and-time cell
    ("3/25/2026 9:30 AM", date(2026, 3, 25)),
    ("2026-03-02T09:30:00", date(2026, 3, 2)),  # an EHR export's ISO date and time
    ("03/04/2026", ("date.ambiguous",)),
    ("31/02/2026", ("date.invalid",)),
    ("next Tuesday", ("date.invalid",)),
    (date(1900, 1, 5), ("date.implausible",)),
    (5.0, ("date.implausible",)),
    (5551234.0, ("date.implausible",)),  # a phone or client number in the date column: past Excel's last day
    (1e300, ("date.implausible",)),
    (float("inf"), ("date.invalid",)), (float("nan"), ("date.invalid",)),  # a hand-made sheet's 1e999
    (time(10, 0), ("date.invalid",)),
    (True, ("date.invalid",)),
    ("", None),
])
def test_dates(raw, expected):
    assert read(DATE, raw) == expected


def test_ambiguous_dates_follow_the_agency_order():
    assert read(DATE, "03/04/2026", "DMY") == date(2026, 4, 3)
    assert read(DATE, "03/04/2026", "MDY") == date(2026, 3, 4)
    assert read(DATE, "25/03/2026", "MDY") == date(2026, 3, 25)  # unambiguous text ignores the setting


@pytest.mark.parametrize("raw, expected", [
    ("00123", "00123"), (" A-17 ", "A-17"), (1234.0, ("code.number",)),  # no agency codes to judge by
    ("1.23E+05", ("code.scientific",)), ("1,2e5", ("code.scientific",)), (1.5, ("code.number",)),
    (1.234e17, ("code.number",)), (date(2026, 1, 2), ("code.date",)), (True, ("code.invalid",)),
    ("x" * 65, ("cell.too_long",)), ("'-12", "-12"),  # our own exports' quote comes off again
    ("#N/A", ("cell.error",)), (" #ref! ", ("cell.error",)),  # a CSV saved by Excel has its errors as text
])
def test_client_codes(raw, expected):
    assert read(CODE, raw) == expected


@pytest.mark.parametrize("raw", ["Y", "yes", "YES", "1", 1.0, "x", "X", True, "TRUE", "✓", "✔", "attended"])
def test_attended_marks(raw):
    assert read(SESSIONS.column("attended"), raw) == "attended"


@pytest.mark.parametrize("raw, expected", [("N", "absent"), ("no", "absent"), (0.0, "absent"), (False, "absent"),
                                           ("E", "excused"), ("excused", "excused"), ("?", ("attended.invalid",))])
def test_other_marks(raw, expected):
    assert read(SESSIONS.column("attended"), raw) == expected


@pytest.mark.parametrize("raw, expected", [(3.0, 3), ("3", 3), ("Module 4", 4), (0.0, ("module.range",)),
                                           (12.0, ("module.range",)), (2.5, ("number.invalid",)),
                                           (True, ("number.invalid",))])
def test_modules(raw, expected):
    assert read(SESSIONS.column("module"), raw) == expected


def test_choices_ratings_and_long_text():
    fmt = ROSTER.column("format")
    assert (read(fmt, "Group"), read(fmt, "1:1"), read(fmt, "both")) == ("group", "individual", ("choice.invalid",))
    item = FIDELITY_HISTORY.column("item_3")
    assert (read(item, 5.0), read(item, "N/A"), read(item, 7.0), read(item, "4"), read(item, 4.5)) == (
        5, "NA", 7, 4, ("rating.invalid",))  # the range is the scale version's, checked by imports/kinds/ratings.py
    assert read(ROSTER.column("end_reason"), "y" * 201) == ("cell.too_long",)
    assert read(ROSTER.column("end_reason"), "Moved  away ") == "Moved away"


def test_memoised_results_keep_true_and_one_apart():
    convert = converter(SESSIONS.column("module"))
    assert convert(1.0) == 1
    assert isinstance(convert(True), CellError)  # True == 1.0 as a dict key, yet a module is never TRUE
