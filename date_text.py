"""How every page shows a day (24 Nov 2025) and a moment (24 Nov 2025, 09:05 EST): one rule each.

Stored timestamps are naive UTC; people read them on the state's clock (the service zone, IMR_TIME_ZONE, see
local_day.py), with the zone's short name, which says whether summer time applied (EST in January, EDT in July).
Registered as the `day`, `moment` and `days_whole` template filters by the app factory; downloads write moments the
same way.
Machine formats (inputs' values, data-* and <time datetime> attributes) stay ISO; API JSON gives a moment as ISO
UTC with its offset (`iso_moment`).
"""
import calendar
import re
from datetime import date, datetime, timezone

from markupsafe import Markup, escape, soft_str


def _on_service_clock(t: datetime) -> datetime:
    from local_day import on_service_clock  # here: scoring/ writes days with this module and imports no Flask
    return on_service_clock(t)


def day(d: date | datetime | None) -> str:
    """24 Nov 2025 (a date, or the service zone's day of a timestamp); empty for no date."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = _on_service_clock(d)
    return f"{d.day} {d:%b %Y}"


def moment(t: datetime | None) -> str:
    """24 Nov 2025, 09:05 EST: a timestamp on the service zone's clock, with the zone's short name."""
    if t is None:
        return ""
    t = _on_service_clock(t)
    return f"{t.day} {t:%b %Y, %H:%M %Z}"


def iso_moment(t: datetime | None) -> str | None:
    """2025-11-24T14:05:59Z: a timestamp for the API, in UTC with its offset (a naive one is stored UTC)."""
    if t is None:
        return None
    if t.tzinfo:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t.isoformat() + "Z"


# A day as `day` writes it, with the punctuation after its year: "2 Dec 2026," must not break after "2 Dec", nor
# the comma go to the next line. Only a whole word starts a day; & and < stay out (an entity of escaped text).
_DAY_IN_TEXT = re.compile(r"(?<!\S)\d{1,2} (?:%s) \d{4}(?!\w)[^\w\s&<]*" % "|".join(calendar.month_abbr[1:]))


def days_whole(text) -> Markup:
    """A sentence with days in it ("6 months after the visit of 2 May 2026"), escaped, each day in it kept whole on
    one line: a span marked .date. Markup (a joined list, escaped by Jinja) is taken as already escaped."""
    text = soft_str(text)
    out, at = [], 0
    for found in _DAY_IN_TEXT.finditer(text):
        out += [escape(text[at:found.start()]), Markup('<span class="date">'), escape(found[0]), Markup("</span>")]
        at = found.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def init_app(app):
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(days_whole, "days_whole")
