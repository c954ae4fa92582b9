"""Fresh databases for tests: migrate once per run into a template, then copy it for each test."""
import itertools
import os
import shutil
import threading

from sqlalchemy import create_engine, text

from app import create_app
from models.cli import upgrade_database

_counter = itertools.count()
_dropping = []  # (thread, [its error]) of the drops still running


def dropped_later(drop):
    """Run `drop` on a thread: the next test copies its database and builds its app meanwhile (0.01-0.1 s a
    PostgreSQL test). wait_for_drops() waits for it."""
    errors = []

    def run():
        try:
            drop()
        except BaseException as error:  # noqa: BLE001 - re-raised by wait_for_drops
            errors.append(error)
    thread = threading.Thread(target=run, name="drop-test-database")
    thread.start()
    _dropping.append((thread, errors))


def wait_for_drops():
    """Wait until the databases of earlier tests are dropped (so none is dropped while a test runs: a test that
    watches pg_stat_activity or the server's locks sees only its own work), and raise a drop's error."""
    while _dropping:
        thread, errors = _dropping.pop(0)
        thread.join()
        if errors:
            raise errors[0]


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
