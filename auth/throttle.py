"""Slow down password and code guessing with growing waits, never a lock someone else can impose.

Each key (an account's email, a browser that signed in to that account before, a client address, a user's
second-factor step) counts attempts not shown good. The first few pass at once; after that each attempt has
to wait twice as long as the one before, up to a cap, and the count is forgotten a day after the last try.

An attempt is counted *before* its password is checked, by one UPDATE that adds one only when the wait is
over, so parallel guesses are counted exactly (the database serialises the updates of one row). A good
attempt gives its count back.

Why not Flask-Limiter: its stores are memory (one per process, so gunicorn's workers would each count on
their own), Redis, Memcached or MongoDB, none of which this service runs; it limits requests in fixed or moving
windows, not failures with growing waits; the database we already have counts exactly across processes.
"""
import math
import time
from dataclasses import dataclass

from flask import current_app, flash
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db
from models import SignInThrottle


@dataclass(frozen=True)
class Limit:
    free: int  # attempts that pass without waiting
    first_delay: float  # seconds, after the free ones
    max_delay: float


def limits(kind: str) -> Limit:
    config = current_app.config
    free = config["SIGNIN_ADDRESS_FREE_FAILURES"] if kind == "address" else config["SIGNIN_FREE_FAILURES"]
    return Limit(free, config["SIGNIN_FIRST_DELAY_SECONDS"], config["SIGNIN_MAX_DELAY_SECONDS"])


def wait_after(failures: int, limit: Limit) -> float:
    """Seconds the next attempt must wait after this many uncleared failures."""
    if failures < limit.free:
        return 0.0
    return min(limit.max_delay, limit.first_delay * 2 ** (failures - limit.free))


def _wait_expression(failures, limit: Limit):
    """wait_after() as SQL over a column: a CASE with one branch per doubling until the cap."""
    steps = 0 if limit.first_delay <= 0 else max(0, math.ceil(math.log2(max(limit.max_delay / limit.first_delay, 1))))
    whens = [(failures < limit.free, 0.0)]
    whens += [(failures == limit.free + n, wait_after(limit.free + n, limit)) for n in range(steps + 1)]
    return case(*whens, else_=float(limit.max_delay))


def key(kind: str, value) -> str:
    return f"{kind}:{str(value).lower()}"[:300]


def _insert_if_absent(name: str, now: float):
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return (dialect.insert(SignInThrottle).values(key=name, failures=0, next_allowed_at=0.0, last_at=now)
            .on_conflict_do_nothing(index_elements=["key"]))


def attempt(*keys: str) -> float:
    """Count one attempt against every key; 0 when it may go ahead, else the seconds to wait.

    Commits, so parallel requests see the count at once and a later rollback cannot undo it.
    """
    now = time.time()
    forget = current_app.config["SIGNIN_FORGET_AFTER_SECONDS"]
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.last_at < now - forget))
    wait = 0.0
    for name in keys:
        limit = limits(name.split(":", 1)[0])
        db.session.execute(_insert_if_absent(name, now))
        failures = SignInThrottle.failures + 1
        delay = _wait_expression(failures, limit)
        counted = db.session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.key == name, SignInThrottle.next_allowed_at <= now)
            .values(failures=failures, last_at=now,
                    # a zero wait keeps the old time: a parallel request's clock may be a hair behind ours
                    next_allowed_at=case((delay > 0, now + delay), else_=SignInThrottle.next_allowed_at))
        ).rowcount
        if not counted:
            allowed_at = db.session.scalar(select(SignInThrottle.next_allowed_at).where(SignInThrottle.key == name))
            wait = max(wait, (allowed_at or now) - now, 1.0)
    db.session.commit()
    return wait


def succeeded(*keys: str, shared: tuple[str, ...] = ()) -> None:
    """Clear the counts of keys an attempt proved good; give one back on `shared` keys (a client address).

    A shared key is not cleared: signing in to one's own account must not wipe the failures an address ran
    up against other accounts.
    """
    if keys:
        db.session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(keys)))
    for name in shared:
        db.session.execute(update(SignInThrottle).where(SignInThrottle.key == name, SignInThrottle.failures > 0)
                           .values(failures=SignInThrottle.failures - 1))
    db.session.commit()


def flash_wait(seconds: float, what: str = "failed attempts") -> None:
    """Tell the user to wait (sign-in, its code step, the account page's codes and password)."""
    flash(f"Too many {what}. Wait {describe_wait(seconds)} and try again.", "error")


def describe_wait(seconds: float) -> str:
    seconds = math.ceil(seconds)
    if seconds < 90:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
