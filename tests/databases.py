"""Fresh databases for tests: migrate once per run into a template, then copy it for each test."""
import itertools
import os
import shutil

from sqlalchemy import create_engine, text

from app import create_app
from models.cli import upgrade_database

_counter = itertools.count()


def migrate(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade_database()
        from extensions import db
        db.engine.dispose()


def _admin_engine(admin_url):
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


class SqliteTemplate:
    def __init__(self, directory):
        self.path = os.path.join(directory, "template.sqlite3")
        migrate(f"sqlite:///{self.path}")

    def fresh(self, directory):
        path = os.path.join(directory, f"test-{next(_counter)}.sqlite3")
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}", lambda: None


class PostgresTemplate:
    def __init__(self, admin_url, worker):
        self.admin_url = admin_url
        self.worker = worker
        self.name = f"imr_template_{worker}"
        engine = _admin_engine(admin_url)
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {self.name}"))
            conn.execute(text(f"CREATE DATABASE {self.name}"))
        engine.dispose()
        migrate(self.url_for(self.name))

    def url_for(self, name):
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def fresh(self, directory=None):
        name = f"imr_test_{self.worker}_{next(_counter)}"
        engine = _admin_engine(self.admin_url)
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {self.name}"))

        def drop():
            with engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            engine.dispose()
        return self.url_for(name), drop
