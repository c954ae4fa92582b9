"""Today in the service's time zone (TIME_ZONE, from IMR_TIME_ZONE), not the server's: the one "today".

A server kept on UTC is already tomorrow during a US state's evening: a visit due today would read overdue at
7 pm in New York and a session held tonight would be refused as in the future. Every page, job and check asks
`today()` here; pure code (scoring/, the figure builders) keeps taking `today` as an argument. Stored
timestamps stay naive UTC (datetime.utcnow()): only the day a moment falls on is decided here, and
date_text shows a moment on this zone's clock.
"""
import zoneinfo
from datetime import date, datetime, timezone, tzinfo
from functools import lru_cache

from flask import current_app, has_app_context


@lru_cache(maxsize=None)
def zone_named(name) -> tzinfo | None:
    """The zone an IANA name gives (America/New_York); None for no name: the machine's own zone.

    RuntimeError says what to set when the name is unknown (a typo, or a machine without time zone data)."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"IMR_TIME_ZONE is '{name}', which is not a time zone name this machine knows. Set it "
                           "to an IANA name such as America/New_York or America/Los_Angeles (exactly, with the "
                           "capitals), or leave it unset to use the machine's own zone.") from None


def service_zone() -> tzinfo | None:
    """The app's zone; outside an app (pure unit tests, scripts) the machine's own, as date.today() was."""
    return zone_named(current_app.config["TIME_ZONE"]) if has_app_context() else None


def utc_now() -> datetime:
    """This moment, aware, in UTC: the one clock every "today" reads (tests freeze it here)."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date where the service is used."""
    return utc_now().astimezone(service_zone()).date()


def on_service_clock(t: datetime) -> datetime:
    """A stored timestamp (naive UTC) or an aware one, as the service zone's clock reads it."""
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(service_zone())


def day_of(stored: datetime) -> date:
    """The service zone's day of a stored timestamp (naive UTC): a program created at 8 pm in New York
    started that day, not the next."""
    return on_service_clock(stored).date()
