"""Turn one spreadsheet cell into a clean value, or say plainly why not (pure: no Flask, no database).

Cells arrive as the reader gives them: str ('' when empty), float, bool, date, datetime, time or timedelta.
Tolerant where people are messy (spaces, case, Excel serials, ticks), strict where guessing would corrupt
data (ambiguous day/month order, client codes Excel turned into numbers).
"""
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta

from imports.kinds.declarations import ATTENDED_MARKS, CLEAR_WORD, NOT_APPLICABLE, NOTHING_WORDS
from imports.reading.cell_error import CellError
import local_day
from spreadsheets.error_cells import error_shown
from spreadsheets.export import formula_risk

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's phantom 29 Feb 1900 is allowed for
EPOCH_1904 = date(1904, 1, 1)  # a workbook saved with the 1904 date system (<workbookPr date1904="1"/>, old Macs)
EARLIEST, LATEST = date(1950, 1, 1), date(2100, 12, 31)  # outside this a "date" is a typo
MONTHS = {name: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")), start=1) for name in names}

# Text is matched lower-cased. A time after the date (EHR exports, Excel's m/d/yyyy h:mm saved as CSV) is
# dropped, as it is from a date-and-time cell; so is a leading weekday (Excel's Long Date), once checked.
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[ap]\.?m\.?)?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})" + _TIME + "$")
_DAY_NAME_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([a-z]+)\.?,?[ -](\d{4}|\d{2})$")  # 13-Jan-26: d-mmm-yy
_NAME_DAY_YEAR = re.compile(r"^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,? ")
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.0+)?$")  # 18264-73415 are the Excel day numbers of 1950-2100
_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_INTEGER = re.compile(r"^[+-]?\d+(?:\.0+)?$")
INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}  # control, format (zero-width, bidi), private, unassigned

class Cleared:
    """The value of a cell that said CLEAR_WORD: empty the stored value (a blank cell keeps it)."""

    def __repr__(self):
        return "CLEARED"


CLEARED = Cleared()


NOTHING = frozenset(NOTHING_WORDS)


def read_nothing(raw, column):
    """None (a blank) for a cell saying N/A, none or a dash; where a value is required, the CellError saying so."""
    if column.required:
        return CellError("cell.none", f"{column.label} is required: '{raw.strip()}' says there is none.")
    return None


def read_clear(column):
    """CLEARED for a column that may be cleared; otherwise the CellError saying why not."""
    if column.clearable:
        return CLEARED
    if column.required:
        return CellError("clear.required", f"{column.label} is required, so it cannot be cleared: enter a value "
                                           f"(or leave the row out).")
    return CellError("clear.refused", f"{column.label} cannot be cleared by an import: leave the cell blank to "
                                      "keep what is recorded.")


def normalise(text) -> str:
    """Lower-case, trimmed, inner spaces collapsed: how headers and choices are compared."""
    return " ".join(str(text).replace("_", " ").replace("\u00a0", " ").split()).lower()


# What a copy from a web page, an EHR or a document brings along at a value's ends, invisible in Excel: spaces
# of every kind (no-break, tabs, line breaks) and zero-width characters (space, non-joiner, joiner; word joiner; BOM).
_EDGES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
_QUOTES = "'\"\u2018\u2019\u201c\u201d"  # straight and smart quotes


def edges_trimmed(text: str) -> str:
    """`text` as the clerk sees it at its ends: without the spaces and zero-width characters there (_EDGES)."""
    return text.strip(_EDGES)


def blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not edges_trimmed(raw))


def says_nothing(raw) -> bool:
    """Blank, or N/A, none or a dash (NOTHING_WORDS): a cell with nothing to record."""
    return blank(raw) or (isinstance(raw, str) and edges_trimmed(raw).lower() in NOTHING)


def unticked(text: str) -> str:
    """`text` without a leading apostrophe: how Excel is told to keep digits as text, typed into a CSV or pasted
    from one (a smart one from Word too)."""
    return edges_trimmed(text[1:]) if text[:1] in "'\u2019" else text


def tidy(text: str) -> str:
    """A typed number, date or mark (its ends already trimmed by the converter) as the clerk sees it: a leading
    apostrophe or enclosing quotes (smart ones from Word) removed, full-width digits and letters (an East Asian
    keyboard) made plain."""
    if len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = edges_trimmed(text[1:-1])
    else:
        text = unticked(text)
    if not text.isascii():
        text = edges_trimmed(unicodedata.normalize("NFKC", text))
    return text


def _text_of(raw):
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (datetime, date)):
        return raw.isoformat()
    if isinstance(raw, str) and raw[:1] == "'" and formula_risk(raw[1:], split=True):
        return raw[1:]  # the quote our own exports add against formula injection
    return str(raw)


def read_text(raw, column):
    text = " ".join(_text_of(raw).split())
    if len(text) > column.max_length:
        raise CellError("cell.too_long", f"{column.label} is {len(text)} characters long; at most "
                                         f"{column.max_length} are accepted.")
    if any(ord(ch) < 32 for ch in text):
        raise CellError("cell.control", f"{column.label} contains control characters.")
    return text


def clean_code(text: str) -> str:
    """`text` (already stripped) NFC-normalised, or a CellError raised naming an invisible character in it."""
    if text.isascii() and text.isprintable():
        return text  # nearly every code: nothing to look at
    text = unicodedata.normalize("NFC", text)
    for at, ch in enumerate(text, start=1):
        category = unicodedata.category(ch)
        if category in INVISIBLE:
            name = unicodedata.name(ch, "a control character")
            raise CellError("code.invisible", f"The client code contains an invisible character (U+{ord(ch):04X} "
                                              f"{name}) at position {at}. Delete the code and type it again.")
        if category == "Zs" and ch != " ":
            text = text.replace(ch, " ")  # a non-breaking or thin space looks like a space: it is one
    return text


def read_code(raw, column, codes=None):
    """A client code kept exactly as text; numbers Excel may have altered are refused, not guessed.

    codes: the agency's CodeBook (imports/kinds/codes.py), which decides about number cells and lookalikes;
    without it every number cell is refused.
    """
    if isinstance(raw, bool):
        raise CellError("code.invalid", "A client code cannot be TRUE or FALSE.")
    if isinstance(raw, (int, float)):
        if codes is None:
            raise CellError("code.number", "Excel stored this client code as a number. Format the column as Text "
                                           "and type the codes again.")
        return codes.number(raw)
    if isinstance(raw, (date, datetime, time, timedelta)):
        raise CellError("code.date", "Excel turned this client code into a date. Format the column as Text "
                                     "and type the codes again.")
    code = unticked(_text_of(raw))
    if shown := error_shown(code):
        raise CellError("cell.error", f"The client code shows the error {shown} in Excel, not a code. "
                                      "Correct the formula in the original, or type the code, and export again.")
    if _SCIENTIFIC.match(code):
        raise CellError("code.scientific", f"'{code}' is a number in scientific notation: Excel has lost digits "
                                           "of the client code. Format the column as Text and type the codes "
                                           "again.")
    code = clean_code(code)
    if len(code) > column.max_length:
        raise CellError("cell.too_long", f"A client code has at most {column.max_length} characters.")
    return codes.text(code) if codes is not None else code


def _checked(day, shown):
    if not EARLIEST <= day <= LATEST:
        raise CellError("date.implausible", f"{shown} is not a plausible date (expected {EARLIEST.year}-"
                                            f"{LATEST.year}).")
    return day


def _build(year, month, day, shown):
    try:
        return _checked(date(year, month, day), shown)
    except ValueError:
        raise CellError("date.invalid", f"'{shown}' is not a real date.")


def read_date(raw, column, date_order=None, epoch=EXCEL_EPOCH):
    """A date from a date cell, an Excel serial number (day 0 is `epoch`: the workbook's date system) or
    unambiguous text."""
    if isinstance(raw, datetime):
        return _checked(raw.date(), raw.date().isoformat())
    if isinstance(raw, date):
        return _checked(raw, raw.isoformat())
    if isinstance(raw, bool) or isinstance(raw, (time, timedelta)):
        raise CellError("date.invalid", f"{column.label} needs a date, not a time or TRUE/FALSE.")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):  # a hand-made sheet's 1e999 or NaN
            raise CellError("date.invalid", f"{raw} is not a date.")
        if not float(raw).is_integer() and raw % 1 > 0.9999:
            raw = round(raw)
        serial = int(raw)
        if serial < 1:
            raise CellError("date.invalid", f"{raw:g} is not a date.")
        if serial > (date.max - epoch).days:  # a client or phone number in a date column: past any date Python has
            return _checked(date.max, f"Excel day number {raw:g}")
        return _checked(epoch + timedelta(days=serial), f"Excel day number {serial}")
    plain = " ".join(tidy(raw).split())
    text = plain.lower()
    if _SERIAL_TEXT.match(text):  # an Excel day number in a column formatted as Text (EHR exports write them)
        return read_date(float(text), column, date_order, epoch)
    if match := _COMPACT.match(text):  # 20260302: yyyymmdd, as databases export; ddmmyyyy cannot be read so
        return _build(int(match[1]), int(match[2]), int(match[3]), raw)
    if weekday := _WEEKDAY.match(text):
        day = read_date(plain[weekday.end():], column, date_order, epoch)
        named = WEEKDAYS[day.weekday()]
        if not named.lower().startswith(weekday[1]):
            raise CellError("date.weekday", f"'{raw.strip()}': {day.isoformat()} is a {named}. Check which of the "
                                            "two is right and enter the date as yyyy-mm-dd.")
        return day
    if match := _ISO.match(text):
        return _build(int(match[1]), int(match[2]), int(match[3]), raw)
    if match := _NUMERIC.match(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        year = _full_year(year)
        if first > 12 and second <= 12:
            order = "DMY"
        elif second > 12 and first <= 12:
            order = "MDY"
        elif first == second:
            order = "DMY"  # the same day either way
        elif date_order in ("DMY", "MDY"):
            order = date_order
        else:
            raise CellError("date.ambiguous", f"'{raw.strip()}' could be {_spoken(first, second, year)} or "
                                              f"{_spoken(second, first, year)}. Enter it as yyyy-mm-dd, or ask an "
                                              "administrator to set your agency's date order (day/month or "
                                              "month/day).")
        day, month = (first, second) if order == "DMY" else (second, first)
        return _build(year, month, day, raw)
    for pattern, day_at, month_at in ((_DAY_NAME_YEAR, 1, 2), (_NAME_DAY_YEAR, 2, 1)):
        if (match := pattern.match(text)) and match[month_at] in MONTHS:
            return _build(_full_year(int(match[3])), MONTHS[match[month_at]], int(match[day_at]), raw)
    raise CellError("date.invalid", f"'{raw.strip()}' is not a date this service can read; use yyyy-mm-dd.")


TWO_DIGIT_PIVOT = 30  # Excel's: a two-digit year below it is 20xx, from it 19xx
TWO_DIGIT_YEARS = (f"A two-digit year is read as Excel reads one typed: 00-{TWO_DIGIT_PIVOT - 1} are "
                   f"2000-20{TWO_DIGIT_PIVOT - 1}, {TWO_DIGIT_PIVOT}-99 are 19{TWO_DIGIT_PIVOT}-1999.")


def _full_year(year):
    """A two-digit year as Excel reads one typed (TWO_DIGIT_YEARS)."""
    if year >= 100:
        return year
    return year + (2000 if year < TWO_DIGIT_PIVOT else 1900)


def _spoken(day, month, year):
    try:
        return date(year, month, day).strftime("%-d %B %Y")
    except ValueError:
        return f"day {day} of month {month}"


# A module written with its name: M3, Mod. 3, Module 3, IMR module #3, Module 3 - Practical Facts.
_MODULE = re.compile(r"^(?:imr )?(?:m|mod|module)\.? ?(?:no\.? ?|#)?(\d{1,2})(?: ?[-:\u2013\u2014(].*)?$")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::00)?$")  # 1:00, 0:45: a length typed as hours and minutes
_MINUTES_SAID = re.compile(r"^(\d{1,3}) ?(?:m|mins?|minutes?)\.?$")  # 60 min, 45 mins


def _whole_number(raw, column, hint=""):
    """The whole number a cell holds, or the CellError raised saying it holds none (`hint`: what to write)."""
    if isinstance(raw, bool):
        raise CellError("number.invalid", f"{column.label} needs a whole number, not TRUE/FALSE.")
    if isinstance(raw, (int, float)) and float(raw).is_integer():
        return int(raw)
    if isinstance(raw, str) and _INTEGER.match(text := tidy(raw)):
        return int(float(text))
    shown = _text_of(raw).strip()
    raise CellError("number.invalid", f"{column.label} needs a whole number; '{shown}' is not one.{hint}")


def read_int(raw, column):
    return _checked_int(_whole_number(raw, column), column)


def read_minutes(raw, column):
    """A session's length: whole minutes, said with its unit (60 min) or typed as hours and minutes (1:00)."""
    if isinstance(raw, (time, timedelta)):
        return _checked_int(_minutes_of(raw), column, raw)
    text = tidy(raw) if isinstance(raw, str) else ""
    if clock := _CLOCK.match(text):
        return _checked_int(int(clock[1]) * 60 + int(clock[2]), column, raw)
    if said := _MINUTES_SAID.match(text.lower()):
        return _checked_int(int(said[1]), column)
    hint = (" If it is a length typed as a time (1:00), format the cell as a time (h:mm); otherwise write the "
            "minutes, e.g. 45." if isinstance(raw, float) and 0 < raw < 1 else "")
    return _checked_int(_whole_number(raw, column, hint), column)


def read_module(raw, column):
    """A module by its number, or written with its name (M3, Module 3 - Practical Facts)."""
    named = isinstance(raw, str) and _MODULE.match(" ".join(tidy(raw).lower().split()))
    return _checked_int(int(named[1]) if named else _whole_number(raw, column), column, rule="module.range")


def _minutes_of(length):
    """The minutes of a length Excel holds as a time of day (1:00) or a duration ([h]:mm): whole minutes only."""
    seconds = round(length.total_seconds() if isinstance(length, timedelta)
                    else length.hour * 3600 + length.minute * 60 + length.second + length.microsecond / 1e6)
    if seconds % 60:
        raise CellError("number.invalid", f"A length of {seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02} "
                                          "has seconds; write the whole minutes, e.g. 45.")
    return seconds // 60


def _checked_int(value, column, as_time=None, rule="number.range"):
    low, high = column.minimum, column.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        read_as = f" ('{_text_of(as_time).strip()}' read as hours:minutes)" if as_time is not None else ""
        raise CellError(rule, f"{column.label} must be from {low} to {high}; {value}{read_as} is outside.")
    return value


def _lookup(aliases):
    return {normalise(spelling): value for value, spellings in aliases.items() for spelling in spellings}


_ATTENDED = _lookup(ATTENDED_MARKS)
# The marks in words, from the declaration: "Y, yes, 1, ... for attended; N, ... for absent; E, ... for excused".
_MARKS_SAID = "; ".join(f"{', '.join(spellings[:6])} for {status}" for status, spellings in ATTENDED_MARKS.items())


def read_attended(raw, column):
    if isinstance(raw, bool):
        return "attended" if raw else "absent"
    status = _ATTENDED.get(normalise(_text_of(raw))) or _ATTENDED.get(normalise(tidy(_text_of(raw))))
    if status is None:
        raise CellError("attended.invalid", f"'{_text_of(raw).strip()}' is not an attendance mark: use {_MARKS_SAID}.")
    return status


def read_choice(raw, column):
    value = _lookup(column.aliases).get(normalise(tidy(_text_of(raw))))
    if value is None:
        allowed = " or ".join(column.aliases)
        raise CellError("choice.invalid", f"{column.label} must be {allowed}; '{_text_of(raw).strip()}' is not.")
    return value


NA = "NA"  # a rating of "not applicable"


def read_rating(raw, column):
    """NA or a whole number: the scale version's own range is checked where the scale is known (imports/kinds/ratings.py)."""
    text = tidy(raw) if isinstance(raw, str) else None
    if text is not None and normalise(text) in NOT_APPLICABLE:
        return NA
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
        return int(raw)
    if text is not None and _INTEGER.match(text):
        return int(float(text))
    raise CellError("rating.invalid", f"{column.label} must be a whole-number rating on the scale's range (or NA "
                                      f"where the scale allows it); '{_text_of(raw).strip()}' is not.")


READERS = {"text": read_text, "code": read_code, "date": read_date, "int": read_int,
           "attended": read_attended, "choice": read_choice, "rating": read_rating}
KEYED_READERS = {"minutes": read_minutes, "module": read_module}  # whole numbers clerks also write in words


def converter(column, date_order=None, failed=None, cache_limit=50_000, codes=None, epoch=EXCEL_EPOCH):
    """A function raw -> value (None when blank) or a CellError returned, not raised (sheets hold many).

    Results are memoised by raw value: sheets repeat the same codes, dates and marks again and again. The
    memo is `convert.memo`, for loops that look cells up without a call: a value found there is the
    answer. Problems are not memoised, nor 0, 1, TRUE and FALSE (True == 1.0 as a dict key, and they mean
    different things), nor a blank in a required column, so those always come through `convert`. The
    numbers 0 and 1 (never TRUE or FALSE) are memoised apart, in `convert.numbers`, for a loop that has
    made sure the cell it looks up is not TRUE or FALSE (module 1, an Attended column of 1 and 0).
    failed: a list each returned CellError is also appended to.
    codes: the agency's CodeBook, for client code columns (imports/kinds/codes.py). epoch: the workbook's day 0.
    """
    read = KEYED_READERS.get(column.key) or READERS[column.type]
    if column.type == "date":
        latest = local_day.today() if column.past_only else LATEST

        def read(raw, column, _read=read):
            day = _read(raw, column, date_order, epoch)
            if day > latest:  # attendance at a session yet to happen is a typo (2062 for 2026), not a plan
                raise CellError("date.future", f"{column.label} {day.isoformat()} is in the future: record a "
                                               "session once it has taken place.")
            return day
    elif column.type == "code":
        def read(raw, column, _read=read):
            return _read(raw, column, codes)
    memo, numbers = {}, {}
    failed = [] if failed is None else failed
    required = column.required  # a blank required cell is never in the memo: a row found there has every one
    special = {CLEAR_WORD} if column.type == "rating" else NOTHING | {CLEAR_WORD}  # words a reader never sees

    def convert(raw):
        try:
            return memo[raw]
        except KeyError:
            pass
        text = edges_trimmed(raw) if raw.__class__ is str else raw  # a reader sees the ends as Excel shows them
        if text is None or text == "":
            value = None
        elif text.__class__ is str and (word := text.lower()) in special:
            value = read_clear(column) if word == CLEAR_WORD else read_nothing(text, column)
            if value.__class__ is CellError:
                failed.append(value)
                return value
        else:
            try:
                value = read(text, column)
            except CellError as error:
                failed.append(error)
                return error
        if len(memo) < cache_limit and (value is not None or not required):
            if not (raw == 0 or raw == 1):
                memo[raw] = value
            elif raw.__class__ is not bool:  # 1 and 1.0 read alike in every column type; TRUE does not
                numbers[raw] = value
        return value
    convert.memo, convert.numbers = memo, numbers
    return convert
