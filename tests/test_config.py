"""Configuration order (defaults, instance/config.py, environment, test mapping) and production safety."""
import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("IMR_ENV", "test")
    for name in ("REQUIRE_2FA", "SESSION_IDLE_MINUTES", "IMR_TIME_ZONE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_default_database_is_sqlite_in_instance(instance_dir):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance_dir}/imr.sqlite3"


def test_order_defaults_instance_environment_mapping(instance_dir, monkeypatch):
    (instance_dir / "config.py").write_text("SIGNIN_FREE_FAILURES = 7\nSMALL_GROUP_MIN = 9\nSECRET_KEY = 'from-file'\n")
    assert create_app().config["SIGNIN_FREE_FAILURES"] == 7  # instance file beats defaults
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/imr")
    app = create_app({"SMALL_GROUP_MIN": 3})
    assert app.config["SECRET_KEY"] == "from-env"  # environment beats the instance file
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/imr"
    assert app.config["SMALL_GROUP_MIN"] == 3  # the test mapping comes last


# 64 hex digits, as secrets.token_hex(32) gives
RANDOM_KEY = "9f2c4e7a1b3d5f60" "8a7c9e1f3b5d7092" "4c6e8a0b2d4f6183" "5a7c9e0f2b4d6f81"


def test_production_refuses_default_secret(instance_dir, monkeypatch):
    monkeypatch.setenv("IMR_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    with pytest.raises(RuntimeError):
        create_app({"SECRET_KEY": DEFAULT_SECRET_KEY})


@pytest.mark.parametrize("value", ["", "Production", "prod", "PRODUCTION", "staging", "production "])
def test_an_unknown_or_missing_environment_refuses_to_start(instance_dir, monkeypatch, value):
    """Only the three exact names start the app; the default key is never served by a misspelt production."""
    monkeypatch.setenv("SECRET_KEY", RANDOM_KEY)
    if value:
        monkeypatch.setenv("IMR_ENV", value)
    else:
        monkeypatch.delenv("IMR_ENV", raising=False)
    with pytest.raises(RuntimeError, match="IMR_ENV .*development, test, production") as refused:
        create_app()
    assert (f"is '{value}'" if value else "is not set") in str(refused.value)


@pytest.mark.parametrize("key, why", [
    ("x", "has 1 characters and needs at least 32"),
    ("a-long-random-production-secret", "has 31 characters"),
    (DEFAULT_SECRET_KEY * 3, "placeholder"),
    ("change-me-to-something-long-and-random", "placeholder"),
    ("a" * 64, "repeats"),
    ("abcdef" * 8, "repeats"),
])
def test_production_refuses_short_or_obviously_made_up_keys(instance_dir, monkeypatch, key, why):
    monkeypatch.setenv("IMR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match=why):
        create_app()


def test_development_and_test_start_with_the_default_key(instance_dir, monkeypatch):
    for env in ("development", "test"):
        monkeypatch.setenv("IMR_ENV", env)
        config = create_app().config
        assert config["SECRET_KEY"] == DEFAULT_SECRET_KEY and not config["SESSION_COOKIE_SECURE"]
        assert config["REQUIRE_2FA"] is False  # on only where asked


def test_production_cookies_are_secure_and_two_factor_required(instance_dir, monkeypatch):
    monkeypatch.setenv("IMR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", RANDOM_KEY)
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REQUIRE_2FA"] is True and config["SESSION_IDLE_MINUTES"] == 30


def test_two_factor_and_idle_time_are_settings(instance_dir, monkeypatch):
    monkeypatch.setenv("REQUIRE_2FA", "yes")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "10")
    config = create_app().config
    assert config["REQUIRE_2FA"] is True and config["SESSION_IDLE_MINUTES"] == 10
    monkeypatch.setenv("REQUIRE_2FA", "perhaps")
    with pytest.raises(RuntimeError, match="REQUIRE_2FA must be true or false"):
        create_app()
    monkeypatch.setenv("REQUIRE_2FA", "no")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "0")
    with pytest.raises(RuntimeError, match="SESSION_IDLE_MINUTES must be more than 0"):
        create_app()


def test_the_time_zone_is_a_setting_and_an_unknown_name_refuses_to_start(instance_dir, monkeypatch):
    assert create_app().config["TIME_ZONE"] is None  # unset: the machine's own zone, as before the setting
    monkeypatch.setenv("IMR_TIME_ZONE", "America/New_York")
    assert create_app().config["TIME_ZONE"] == "America/New_York"
    monkeypatch.setenv("IMR_TIME_ZONE", "US/Eastern Time")
    with pytest.raises(RuntimeError, match="IMR_TIME_ZONE is 'US/Eastern Time', which is not a time zone name"):
        create_app()


def test_demo_data_refuses_in_production(instance_dir, monkeypatch):
    monkeypatch.setenv("IMR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", RANDOM_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{instance_dir}/never.sqlite3")
    app = create_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "refuses to run in production" in result.output
    assert not (instance_dir / "never.sqlite3").exists()  # refused before touching any database
