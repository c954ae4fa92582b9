"""Configuration order (defaults, instance/config.py, environment, test mapping) and production safety."""
import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def test_default_database_is_sqlite_in_instance(instance_dir):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance_dir}/imr.sqlite3"


def test_order_defaults_instance_environment_mapping(instance_dir, monkeypatch):
    (instance_dir / "config.py").write_text("SIGNIN_MAX_FAILURES = 7\nSMALL_GROUP_MIN = 9\nSECRET_KEY = 'from-file'\n")
    assert create_app().config["SIGNIN_MAX_FAILURES"] == 7  # instance file beats defaults
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/imr")
    app = create_app({"SMALL_GROUP_MIN": 3})
    assert app.config["SECRET_KEY"] == "from-env"  # environment beats the instance file
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/imr"
    assert app.config["SMALL_GROUP_MIN"] == 3  # the test mapping comes last


def test_production_refuses_default_secret(instance_dir, monkeypatch):
    monkeypatch.setenv("IMR_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    with pytest.raises(RuntimeError):
        create_app({"SECRET_KEY": DEFAULT_SECRET_KEY})


def test_production_cookies_are_secure(instance_dir, monkeypatch):
    monkeypatch.setenv("IMR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
