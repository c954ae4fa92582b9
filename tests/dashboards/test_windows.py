"""Reading the window and filters from a request: defaults, and clear words for bad input."""
from datetime import date

import pytest

from dashboards.windows import FilterError, default_window, parse_format, parse_id, parse_window
from scoring.engagement import Window

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("args, expected", [
    ({}, Window(date(2025, 11, 24), TODAY)),  # the last 12 months to today
    ({"from": "2026-01-01", "to": "2026-03-31"}, Window(date(2026, 1, 1), date(2026, 3, 31))),
    ({"from": "2026-06-01"}, Window(date(2026, 6, 1), TODAY)),
    ({"to": "2026-03-31"}, Window(date(2025, 4, 1), date(2026, 3, 31))),
    ({"from": " 2026-02-02 ", "to": "2026-02-02"}, Window(date(2026, 2, 2), date(2026, 2, 2))),  # one day
])
def test_windows(args, expected):
    assert parse_window(args, TODAY) == expected


@pytest.mark.parametrize("args, expected", [
    ({"preset": "3m"}, Window(date(2026, 8, 24), TODAY)),
    ({"preset": "6m"}, Window(date(2026, 5, 24), TODAY)),
    ({"preset": "12m", "from": "2020-01-01"}, Window(date(2025, 11, 24), TODAY)),  # a preset wins over dates
    ({"preset": "fy"}, Window(date(2026, 7, 1), TODAY)),  # fiscal year from July (the default)
    ({"from": "1 Dec 2025", "to": "31 jan 2026"}, Window(date(2025, 12, 1), date(2026, 1, 31))),  # as pages write
])
def test_presets_and_written_dates(args, expected):
    assert parse_window(args, TODAY) == expected


def test_fiscal_year_first_month_and_program_start():
    assert parse_window({"preset": "fy"}, TODAY, fiscal_start_month=12) == Window(date(2025, 12, 1), TODAY)
    assert parse_window({"preset": "fy"}, TODAY, fiscal_start_month=10) == Window(date(2026, 10, 1), TODAY)
    assert parse_window({"preset": "start"}, TODAY, program_start=lambda: date(2019, 3, 4)) == \
        Window(date(2019, 3, 4), TODAY)  # older than 10 years would be refused only when typed


def test_three_months_before_the_31st():
    assert parse_window({"preset": "3m"}, date(2026, 5, 31)) == Window(date(2026, 3, 1), date(2026, 5, 31))


def test_default_window_on_29_february():
    assert default_window(date(2028, 2, 29)) == Window(date(2027, 3, 1), date(2028, 2, 29))


@pytest.mark.parametrize("args, words", [
    ({"from": "2026-13-01"}, "The 'from' date '2026-13-01' is not a date. Write it as the page shows dates, "
                             "for example 31 Jan 2026"),
    ({"from": "31 Feb 2026"}, "The 'from' date '31 Feb 2026' is not a date"),
    ({"from": "2030-01-01"}, "more than a year from today"),
    ({"preset": "5y"}, "The preset '5y' is not known. Choose one of 3m, 6m, 12m, fy, start"),
    ({"preset": "start"}, "No IMR session has been recorded here yet, so 'Since program start' has no start"),
    ({"to": "31/01/2026"}, "The 'to' date '31/01/2026' is not a date"),
    ({"from": "2026-05-01", "to": "2026-04-01"}, "starts on 1 May 2026 ('from'), after it ends on 1 Apr 2026"),
    ({"from": "1990-01-01", "to": "2026-01-01"}, "longer than 10 years"),
])
def test_bad_windows_say_what_is_wrong(args, words):
    with pytest.raises(FilterError) as error:
        parse_window(args, TODAY)
    assert words in str(error.value)


def test_format_and_ids():
    assert parse_format({}) is None and parse_format({"format": "group"}) == "group"
    with pytest.raises(FilterError, match="The format 'both' is not known"):
        parse_format({"format": "both"})
    assert parse_id({"agency": "12"}, "agency") == 12 and parse_id({}, "agency") is None
    for bad in ("-1", "0", "x1"):
        with pytest.raises(FilterError, match="is not a valid choice"):
            parse_id({"program": bad}, "program")
