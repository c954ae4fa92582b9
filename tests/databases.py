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
    def __init__(self, directory, name="template", source=None, build=migrate):
        """A migrated database file, or (with `source`) a copy of that template's with `build(url)` run on it."""
        self.path = os.path.join(directory, f"{name}.sqlite3")
        if source is not None:
            shutil.copyfile(source.path, self.path)
        build(f"sqlite:///{self.path}")

    def derive(self, name, build):
        """A template of this one's database with `build(url)` run on it: built once, copied for each test."""
        return SqliteTemplate(os.path.dirname(self.path), name, self, build)

    def fresh(self, directory):
        path = os.path.join(directory, f"test-{next(_counter)}.sqlite3")
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}", lambda: None


class PostgresTemplate:
    def __init__(self, admin_url, worker, name="template", source=None, build=migrate):
        """A migrated database, or (with `source`) a copy of that template's with `build(url)` run on it."""
        self.admin_url = admin_url
        self.worker = worker
        self.name = f"imr_{name}_{worker}"
        engine = _admin_engine(admin_url)
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {self.name}"))
            conn.execute(text(f"CREATE DATABASE {self.name}" + (f" TEMPLATE {source.name}" if source else "")))
            # PostgreSQL 15 copies a template block by block through its WAL by default; copying its files is
            # 0.85x the time of a copy and its drop for these small databases (the throwaway server skips fsync).
            self.copy = " STRATEGY FILE_COPY" if conn.dialect.server_version_info >= (15,) else ""
        engine.dispose()
        build(self.url_for(self.name))

    def derive(self, name, build):
        """A template of this one's database with `build(url)` run on it: built once, copied for each test."""
        return PostgresTemplate(self.admin_url, self.worker, name, self, build)

    def url_for(self, name):
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def fresh(self, directory=None):
        name = f"imr_test_{self.worker}_{next(_counter)}"
        engine = _admin_engine(self.admin_url)
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {self.name}{self.copy}"))

        def drop():
            with engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            engine.dispose()
        return self.url_for(name), drop
