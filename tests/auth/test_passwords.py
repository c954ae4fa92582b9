"""The password policy (NIST SP 800-63B): length and the common-password list, wherever a password is set."""
import pytest
from sqlalchemy import select

from auth.passwords import check_sign_in, common_passwords, password_problem
from demo.plan import DEMO_PASSWORD
from extensions import db
from models import User


@pytest.mark.parametrize("password, problem", [
    ("short-pass1", "at least 12 characters (it has 11)"),
    ("qwerty123456", "most common"),
    ("QWERTY123456", "most common"),  # the list is compared without case
    ("aaaaaaaaaaaaaaaa", "most common"),
    ("x" * 201, "at most 200"),
    ("jordan.smith-2026", "email address"),
])
def test_refused_passwords_say_why(password, problem):
    assert problem in password_problem(password, "jordan.smith@state.example")


@pytest.mark.parametrize("password", ["correct horse battery", "IMR visits in the spring", "ünïcödé-pässwörd",
                                      "a" * 11 + "b"])
def test_long_uncommon_passwords_pass_without_composition_rules(password):
    assert password_problem(password, "someone@state.example") is None


def test_the_shipped_list_is_the_common_passwords_list():
    common = common_passwords()
    assert len(common) > 19_000 and {"password", "123456", "qwerty123456", "1q2w3e4r5t6y"} <= common


def test_the_demo_password_passes_the_policy():
    assert password_problem(DEMO_PASSWORD, "admin@demo.example") is None


def test_unicode_passwords_match_however_they_were_typed(sqlite_app):
    user = User(email="u@state.example", role="admin")
    user.set_password("caf\u00e9-au-lait-2026")  # é as one character
    assert check_sign_in(user, "cafe\u0301-au-lait-2026")  # é as e + combining accent
    assert not check_sign_in(None, "caf\u00e9-au-lait-2026")


def test_admin_password_reset_refuses_a_common_password(client, auth, world):
    auth.login(world.users["admin"])
    clerk = db.session.scalar(select(User).where(User.email == world.users["clerk_a"]))
    before = clerk.password_hash
    response = auth.post(f"/admin/users/{clerk.id}/edit", data={
        "email": clerk.email, "role": "clerk", "agency_id": world.agency_a.id, "password": "1qaz2wsx3edc",
        "active": "y"})
    assert response.status_code == 400
    assert "one of the most common" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, clerk.id).password_hash == before


def test_create_user_refuses_a_common_password(runner, world):
    result = runner.invoke(args=["create-user", "n@state.example", "--role", "trainer"], input="password1234\n")
    assert result.exit_code != 0 and "one of the most common" in result.output
    assert db.session.scalar(select(User).where(User.email == "n@state.example")) is None
