"""Find PostgreSQL's client programs and hand them the service's database without exposing its password."""
import glob
import os
import shutil

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore refused or failed; the message says what and where, for the operator."""


def database_kind(url) -> str:
    """'sqlite' or 'postgresql' for a SQLAlchemy URL; anything else is refused."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups know SQLite and PostgreSQL databases, not {backend}.")
    return backend


def sqlite_path(url) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("The database is an in-memory SQLite database: there is nothing on disk to back up.")
    return path


def pg_program(name: str) -> str:
    """The path of a PostgreSQL client program: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    # Debian installs the real programs per major version; the newest one can dump every older server.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL "
                      f"client programs (Debian: apt-get install postgresql-client).")


def libpq_target(url) -> tuple[str, dict]:
    """(connection URI without the password, environment with PGPASSWORD) for pg_dump, pg_restore and psql."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password is not None:
        # On the command line the password would show in every `ps` listing.
        env["PGPASSWORD"] = parsed.password
        parsed = parsed.set(password=None)
    return parsed.render_as_string(hide_password=False), env
