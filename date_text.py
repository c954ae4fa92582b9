"""How every page shows a day (24 Nov 2025) and a moment (24 Nov 2025, 14:05 UTC): one rule each.

Registered as the `day` and `moment` template filters by the app factory. Machine formats (inputs' values, API
JSON, CSV, .xlsx, data-* and <time datetime> attributes) stay ISO and do not use these.
"""
from datetime import datetime, timezone


def day(d):
    """24 Nov 2025 (a date, or the day of a datetime); empty for no date."""
    if d is None:
        return ""
    return f"{d.day} {d:%b %Y}"


def moment(t):
    """24 Nov 2025, 14:05 UTC. Stored timestamps are naive UTC; an aware one is converted to UTC first."""
    if t is None:
        return ""
    if isinstance(t, datetime) and t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return f"{day(t)}, {t:%H:%M} UTC"


def init_app(app):
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
