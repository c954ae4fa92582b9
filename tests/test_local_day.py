"""Today is the service zone's (IMR_TIME_ZONE), not the server's: the clock module itself."""
from datetime import date, datetime, timezone

import pytest

import local_day


def test_a_los_angeles_evening_is_not_yet_tomorrow(sqlite_app, los_angeles_evening):
    assert local_day.today() == los_angeles_evening == date(2026, 3, 10)
    sqlite_app.config["TIME_ZONE"] = "UTC"  # what a UTC server's own date said
    assert local_day.today() == date(2026, 3, 11)


def test_a_stored_timestamp_falls_on_the_local_day(sqlite_app, los_angeles_evening):
    # Stored timestamps are naive UTC: 03:00 UTC on the 11th is 20:00 on the 10th in Los Angeles (PDT).
    assert local_day.day_of(datetime(2026, 3, 11, 3, 0)) == date(2026, 3, 10)
    assert local_day.day_of(datetime(2026, 3, 11, 8, 0)) == date(2026, 3, 11)


def test_no_zone_set_keeps_the_machine_s_own_day(sqlite_app, monkeypatch):
    sqlite_app.config["TIME_ZONE"] = None
    moment = datetime(2026, 3, 11, 1, 30, tzinfo=timezone.utc)
    monkeypatch.setattr(local_day, "utc_now", lambda: moment)
    assert local_day.today() == moment.astimezone().date()  # what date.today() gave before the setting


@pytest.mark.parametrize("name", ["America/New_Yrok", "america/new_york", "EST-5", "../etc/passwd", "Pacific "])
def test_an_unknown_zone_name_is_refused_with_what_to_set(name):
    with pytest.raises(RuntimeError, match=f"IMR_TIME_ZONE is '{name}', which is not a time zone name") as refused:
        local_day.zone_named(name)
    assert "America/New_York" in str(refused.value)
