"""Sign-in throttling: growing waits per account and per address, exact under parallel guesses, no lock-out."""
import threading
import time

import pytest
from sqlalchemy import select

from auth import passwords
from auth.throttle import Limit, wait_after
from extensions import db
from models import SignInThrottle
from tests.factories import make_user
from tests.helpers import PASSWORD, Auth, csrf_token_in


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr("auth.throttle.time.time", lambda: now[0])
    return now


def test_waits_double_after_the_free_attempts_up_to_the_cap():
    limit = Limit(free=5, first_delay=2, max_delay=900)
    assert [wait_after(n, limit) for n in range(4, 16)] == [0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]


def test_a_guessed_account_waits_then_lets_the_right_password_in(client, auth, world, clock):
    email = world.users["manager_a"]
    for _ in range(5):
        assert auth.login(email, "not-the-password").status_code == 401
    assert auth.login(email).status_code == 429  # 2 seconds to wait
    clock[0] += 2
    assert auth.login(email, "still-not-it").status_code == 401
    response = auth.login(email)
    assert response.status_code == 429 and "Wait 4 seconds" in response.get_data(as_text=True)
    clock[0] += 4
    assert auth.login(email).status_code == 302  # a wait, never a lock
    assert db.session.scalar(select(SignInThrottle).where(SignInThrottle.key == f"account:{email}")) is None


def test_an_attacker_cannot_keep_the_owner_out_of_their_account(app, client, world, clock):
    """The owner's browser, which signed in before, is counted apart from strangers guessing the account."""
    email = world.users["trainer"]
    owner = Auth(client)
    assert owner.login(email).status_code == 302
    owner.logout()
    attacker = Auth(app.test_client())
    for _ in range(12):  # waits up to 128 s by now
        attacker.login(email, "guess-guess-guess")
        clock[0] += 130
    assert attacker.login(email).status_code == 429  # even the right password waits in a strange browser
    assert owner.login(email).status_code == 302  # the owner's browser goes straight in


def test_one_address_guessing_many_accounts_is_slowed(app, client, auth, world, clock):
    for n in range(20):
        assert auth.login(f"nobody{n}@nowhere.example", "guess-guess-guess").status_code == 401
    assert auth.login(world.users["admin"]).status_code == 429  # the address waits, whichever account
    other_address = Auth(app.test_client())
    page = other_address.client.get("/sign-in", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    response = other_address.client.post("/sign-in", environ_base={"REMOTE_ADDR": "10.1.2.3"}, data={
        "email": world.users["admin"], "password": PASSWORD, "csrf_token": csrf_token_in(page.get_data(as_text=True))})
    assert response.status_code == 302


def _parallel_sign_ins(app, emails, password):
    """Post the sign-in form from one client per email at the same moment; the status codes."""
    ready = []
    for email in emails:
        client = app.test_client()
        ready.append((client, email, csrf_token_in(client.get("/sign-in").get_data(as_text=True))))
    start, statuses = threading.Barrier(len(ready)), []

    def post(client, email, token):
        start.wait()
        with app.app_context():
            statuses.append(client.post("/sign-in", data={"email": email, "password": password,
                                                          "csrf_token": token}).status_code)
            db.session.remove()
    threads = [threading.Thread(target=post, args=args) for args in ready]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return statuses


@pytest.fixture
def password_checks(monkeypatch):
    checks, lock = [], threading.Lock()
    real = passwords.matches

    def counted(password_hash, password):
        with lock:
            checks.append(password_hash.split("$")[0])  # the method and cost of the hash checked
        return real(password_hash, password)
    monkeypatch.setattr(passwords, "matches", counted)
    return checks


def test_parallel_guesses_at_one_account_are_counted_exactly(app, world, password_checks, clock):
    statuses = _parallel_sign_ins(app, [world.users["clerk_a"]] * 40, "guess-guess-guess")
    assert len(password_checks) == 5  # exactly the free attempts, however many raced
    assert sorted(statuses) == [401] * 5 + [429] * 35


def test_parallel_guesses_from_one_address_are_counted_exactly(app, world, password_checks, clock):
    statuses = _parallel_sign_ins(app, [f"x{n}@nowhere.example" for n in range(30)], "guess-guess-guess")
    assert len(password_checks) == 20
    assert sorted(statuses) == [401] * 20 + [429] * 10


def test_unknown_and_known_emails_cost_the_same_and_answer_alike(app, client, auth, world, password_checks):
    """A known email used to answer ten times slower than an unknown one, telling which accounts exist.

    What makes the time: each sign-in checks the password against one hash of the configured cost, the account's
    or a dummy one, and the two answers are the same page. Asserted exactly here, for repeated attempts; the clock
    is bench/signin_timing_bench.py's (a timed test failed on a loaded machine and could pass a 2x leak).
    """
    app.config.update(PASSWORD_HASH_METHOD="pbkdf2:sha256:150000", SIGNIN_FREE_FAILURES=100,
                      SIGNIN_ADDRESS_FREE_FAILURES=100)
    make_user("slow@state.example", "trainer")  # hashed at the slower cost
    db.session.commit()
    checked = password_checks

    def answer(email):
        checked.clear()
        response = auth.login(email, "wrong-password-here")
        page = response.get_data(as_text=True)
        page = page.replace(csrf_token_in(page), "TOKEN").replace(email, "EMAIL")  # the form's own token, and email
        return response.status_code, list(checked), page
    for _ in range(3):
        known, unknown = answer("slow@state.example"), answer("nobody@state.example")
        assert known[:2] == unknown[:2] == (401, ["pbkdf2:sha256:150000"])
        assert known[2] == unknown[2]


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(database_url):
    from tests.conftest import make_app
    app = make_app(database_url, TRUSTED_PROXIES=1)
    with app.app_context():
        client = app.test_client()
        token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
        client.post("/sign-in", headers={"X-Forwarded-For": "203.0.113.9"},
                    data={"email": "x@nowhere.example", "password": "guess-guess-guess", "csrf_token": token})
        keys = set(db.session.scalars(select(SignInThrottle.key)))
        db.session.remove()
        db.engine.dispose()
    assert keys == {"account:x@nowhere.example", "address:203.0.113.9"}
