"""Write a consistent backup of the running service: the database (uploaded originals included), the state's
scale files and a manifest of schema revision, row counts and checksums (see README, "Backups").

SQLite is copied with its online backup API; PostgreSQL with pg_dump (custom format) inside an exported
snapshot, so the manifest's counts and checksums describe exactly the rows the dump holds.
"""
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import create_engine, text

from extensions import db
from fidelity.scales.catalog import state_scales_dir
from ops.backup_digest import schema_revisions, table_digests
from ops.backup_manifest import DATABASE_FILES, SCALES_DIR, describe_files, write_manifest
from ops.backup_tools import BackupError, database_kind, libpq_target, pg_program, sqlite_path


def write_backup(dest) -> dict:
    """Back up the app's database and scale files into the new directory dest; the manifest, as written."""
    dest = os.path.abspath(dest)
    if os.path.lexists(dest):
        raise BackupError(f"{dest} exists already: a backup never overwrites anything. Name a new path.")
    parent = os.path.dirname(dest)
    if not os.path.isdir(parent):
        raise BackupError(f"{parent} does not exist: create it first (the backup goes into {dest}).")
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    started = time.monotonic()
    # Written beside dest and renamed at the end, so a backup cut short never looks like a whole one.
    # mkdtemp makes it readable by this user only: the backup holds clinical data.
    work = tempfile.mkdtemp(prefix=f".{os.path.basename(dest)}.partial-", dir=parent)
    try:
        database_file = os.path.join(work, DATABASE_FILES[kind])
        if kind == "sqlite":
            details = _sqlite_backup(url, database_file)
        else:
            details = _postgres_backup(url, database_file)
        _copy_scales(work)
        manifest = {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": kind, **details, "files": describe_files(work)}
        write_manifest(work, manifest)
        os.rename(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    manifest["seconds"] = round(time.monotonic() - started, 1)
    return manifest


def _sqlite_backup(url, target) -> dict:
    source = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # One step: the copy is one consistent state even while the service writes (they wait for it).
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return {"schema_revisions": schema_revisions(conn), "tables": table_digests(conn)}
    finally:
        engine.dispose()


def _postgres_backup(url, target) -> dict:
    uri, env = libpq_target(url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            # pg_dump reads the snapshot this transaction holds open, so the dump and the counts below agree.
            command = [pg_program("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file", target, uri]
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed (exit {done.returncode}): {done.stderr.strip()}")
            server = conn.execute(text("SHOW server_version")).scalar()
            return {"schema_revisions": schema_revisions(conn), "tables": table_digests(conn),
                    "server_version": server}


def _copy_scales(work):
    source = state_scales_dir()
    if os.path.isdir(source):
        names = sorted(n for n in os.listdir(source) if n.endswith(".toml"))
        if names:
            os.makedirs(os.path.join(work, SCALES_DIR))
            for name in names:
                shutil.copy2(os.path.join(source, name), os.path.join(work, SCALES_DIR, name))
