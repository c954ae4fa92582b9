"""Read the reporting window and filters from a request's arguments, with messages a person can act on."""
from datetime import date, timedelta

from models import FORMATS
from scoring.engagement import Window
from security.parsing import whole_number

MAX_YEARS = 10  # longer windows make trends of hundreds of months that nobody reads
YEARS = (1900, 2200)  # dates outside are typing mistakes (and 9999-12-31 has no following month)


class FilterError(ValueError):
    """A window or filter that cannot be used; the message says what is wrong and how to fix it."""


def default_window(today):
    """The last 12 months up to and including today."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return Window(year_ago + timedelta(days=1), today)


def _parse_date(args, name):
    text = (args.get(name) or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"The '{name}' date '{text[:40]}' is not a date. Write it as YYYY-MM-DD, "
                          f"for example 2026-01-31.") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise FilterError(f"The '{name}' date {day.isoformat()} is not between the years {YEARS[0]} and "
                          f"{YEARS[1]}. Check the year.")
    return day


def parse_window(args, today):
    """The window the arguments ask for (`from`, `to`), defaulting to the last 12 months to today."""
    start, end = _parse_date(args, "from"), _parse_date(args, "to")
    if start is None and end is None:
        return default_window(today)
    if end is None:
        end = max(today, start)
    if start is None:
        start = default_window(end).start
    if start > end:
        raise FilterError(f"The window starts on {start.isoformat()} ('from'), after it ends on {end.isoformat()} "
                          f"('to'). Choose a 'from' date on or before the 'to' date.")
    if (end - start).days > 366 * MAX_YEARS:
        raise FilterError(f"The window from {start.isoformat()} to {end.isoformat()} is longer than {MAX_YEARS} "
                          f"years. Choose a shorter window.")
    return Window(start, end)


def parse_format(args):
    """'group', 'individual' or None (both)."""
    value = (args.get("format") or "").strip()
    if value and value not in FORMATS:
        raise FilterError(f"The format '{value[:40]}' is not known. Choose group, individual, or leave it empty "
                          f"for both.")
    return value or None


def parse_id(args, name):
    """A positive whole number from the arguments, or None when absent."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        number = whole_number(value)
    except ValueError:
        number = 0
    if number < 1:
        raise FilterError(f"The {name.replace('_', ' ')} '{value[:40]}' is not a valid choice.")
    return number
