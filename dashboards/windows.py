"""Read the reporting window and filters from a request's arguments, with messages a person can act on."""
from datetime import date, timedelta

from date_text import day
from models import FORMATS
from scoring.engagement import Window
from security.parsing import whole_number

MAX_YEARS = 10  # longer windows make trends of hundreds of months that nobody reads
YEARS = (1900, 2200)  # dates outside are typing mistakes (and 9999-12-31 has no following month)


class FilterError(ValueError):
    """A window or filter that cannot be used; the message says what is wrong and how to fix it."""


def default_window(today, months=12):
    """The last `months` months up to and including today."""
    month = today.year * 12 + today.month - 1 - months
    year, month = divmod(month, 12)
    first_of_month = date(year, month + 1, 1)
    last_day = ((first_of_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)).day
    return Window(first_of_month.replace(day=min(today.day, last_day)) + timedelta(days=1), today)


# Presets of the window, in the order the filters offer them: (argument, words).
PRESETS = (("3m", "Last 3 months"), ("6m", "Last 6 months"), ("12m", "Last 12 months"),
           ("fy", "This fiscal year"), ("start", "Since program start"))


def preset_window(name, today, fiscal_start_month=7, program_start=None):
    """The window a preset names, ending today; program_start: a function giving the first session date of
    what the page covers (asked only for that preset), or None."""
    if name in ("3m", "6m", "12m"):
        return default_window(today, int(name[:-1]))
    if name == "fy":
        year = today.year if today.month >= fiscal_start_month else today.year - 1
        return Window(date(year, fiscal_start_month, 1), today)
    if name == "start":
        program_start = program_start() if program_start else None
        if program_start is None:
            raise FilterError("No IMR session has been recorded here yet, so 'Since program start' has no start. "
                              "Upload the session logs, or choose another window.")
        return Window(min(program_start, today), today)
    raise FilterError(f"The preset '{name[:20]}' is not known. Choose one of "
                      f"{', '.join(key for key, _ in PRESETS)}, or give 'from' and 'to' dates.")


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_day(text):
    """A date written as the pages show it (1 Dec 2025) or as YYYY-MM-DD; None when it is neither."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.replace(",", " ").split()
    if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit() and parts[1][:3].lower() in MONTHS:
        try:
            return date(int(parts[2]), MONTHS.index(parts[1][:3].lower()) + 1, int(parts[0]))
        except ValueError:
            return None
    return None


def _parse_date(args, name):
    text = (args.get(name) or "").strip()
    if not text:
        return None
    parsed = parse_day(text)
    if parsed is None:
        raise FilterError(f"The '{name}' date '{text[:40]}' is not a date. Write it as the page shows dates, "
                          f"for example 31 Jan 2026 (or 2026-01-31).")
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise FilterError(f"The '{name}' date {day(parsed)} is not between the years {YEARS[0]} and "
                          f"{YEARS[1]}. Check the year.")
    return parsed


def parse_window(args, today, fiscal_start_month=7, program_start=None):
    """The window the arguments ask for (a `preset`, or `from` and `to`), defaulting to the last 12 months."""
    preset = (args.get("preset") or "").strip()
    if preset:
        return preset_window(preset, today, fiscal_start_month, program_start)
    start, end = _parse_date(args, "from"), _parse_date(args, "to")
    if start is None and end is None:
        return default_window(today)
    if end is None:
        end = max(today, start)
    if start is None:
        start = default_window(end).start
    if start > end:
        raise FilterError(f"The window starts on {day(start)} ('from'), after it ends on {day(end)} "
                          f"('to'). Choose a 'from' date on or before the 'to' date.")
    if start > today + timedelta(days=366):
        raise FilterError(f"The window starts on {day(start)}, more than a year from today: no sessions "
                          f"can be recorded yet. Choose a 'from' date up to today.")
    if (end - start).days > 366 * MAX_YEARS:
        raise FilterError(f"The window from {day(start)} to {day(end)} is longer than {MAX_YEARS} "
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
