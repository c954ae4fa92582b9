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


def test_default_window_on_29_february():
    assert default_window(date(2028, 2, 29)) == Window(date(2027, 3, 1), date(2028, 2, 29))


@pytest.mark.parametrize("args, words", [
    ({"from": "2026-13-01"}, "The 'from' date '2026-13-01' is not a date. Write it as YYYY-MM-DD"),
    ({"to": "31/01/2026"}, "The 'to' date '31/01/2026' is not a date"),
    ({"from": "2026-05-01", "to": "2026-04-01"}, "starts on 2026-05-01 ('from'), after it ends on 2026-04-01"),
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
