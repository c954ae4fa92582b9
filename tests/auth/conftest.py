"""Fixtures of the sign-in tests."""
import pytest


@pytest.fixture
def clock(monkeypatch):
    """The time two-factor codes and the throttle read, as a list whose one value a test moves on."""
    now = [1_800_000_000.0]
    monkeypatch.setattr("auth.two_factor.time.time", lambda: now[0])
    monkeypatch.setattr("auth.throttle.time.time", lambda: now[0])
    return now
