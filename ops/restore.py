"""Restore a backup written by ops/backup.py into the app's database, checking everything before touching it.

Refused, with the database untouched: a path that is not a backup, a damaged backup, a backup of the other
kind of database, a backup or a database at a schema newer than this code, and a database holding data
unless forced. After loading, every table's row count and checksum must match the manifest; a backup of
an older schema is then brought up to date by the migrations.
"""
import os
import shutil
import sqlite3
import subprocess
import tempfile

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect

from extensions import db
from fidelity.scales.catalog import state_scales_dir
from models.cli import upgrade_database
from ops.backup_digest import rows_held, schema_revisions, table_digests
from ops.backup_manifest import DATABASE_FILES, SCALES_DIR, file_sha256, read_manifest
from ops.backup_tools import BackupError, database_kind, libpq_target, pg_program, sqlite_path

KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# A restore while the service runs would wait for its locks; it gives up instead and says why.
LOCK_TIMEOUT = "15s"


def check_restore(source, force=False) -> dict:
    """Everything a restore would do, checked without changing anything: {manifest, replaces, scale_files}."""
    manifest = read_manifest(source)
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    if manifest["database"] != kind:
        raise BackupError(f"{source} is a backup of a {KIND_NAMES[manifest['database']]} database, but this "
                          f"service's database (DATABASE_URL) is {KIND_NAMES[kind]}: restore it into the kind of "
                          f"database it came from.")
    known, heads = _code_revisions()
    unknown = [r for r in manifest["schema_revisions"] if r not in known]
    if unknown or not manifest["schema_revisions"]:
        raise BackupError(f"{source} holds schema {', '.join(manifest['schema_revisions']) or '(none)'}, which this "
                          f"version of the service does not know (it knows up to {', '.join(sorted(heads))}): the "
                          f"backup was made by a newer version. Restore it with that version of the code.")
    with db.engine.connect() as conn:
        current = schema_revisions(conn)
        held = rows_held(conn)
    newer = [r for r in current if r not in known]
    if newer:
        raise BackupError(f"The database is at schema {', '.join(newer)}, newer than this version of the service "
                          f"knows: restore with the version of the code that manages it.")
    scale_files = _scale_files(source, manifest)
    differing = [name for name, (copy, target) in scale_files.items()
                 if os.path.exists(target) and file_sha256(target) != file_sha256(copy)]
    if (held or differing) and not force:
        what = [f"{table} ({rows:,} rows)" for table, rows in held.items()]
        what += [f"scale file {target}" for name, (_, target) in scale_files.items() if name in differing]
        where = "The database is not empty" if held else "The state's scale folder holds other files of these names"
        raise BackupError(f"{where}; restoring would replace: " + ", ".join(what) + ". Restore into an empty "
                          "database, or run again with --force to replace all of it.")
    return {"manifest": manifest, "replaces": held, "scale_files": scale_files}


def restore_backup(source, force=False) -> dict:
    """Restore source into the app's database (and scale files); what was restored, replaced and upgraded."""
    plan = check_restore(source, force)
    manifest = plan["manifest"]
    database_file = os.path.join(source, DATABASE_FILES[manifest["database"]])
    db.session.remove()
    db.engine.dispose()  # nothing of ours may hold the tables the restore replaces
    if manifest["database"] == "sqlite":
        _restore_sqlite(database_file)
    else:
        _restore_postgres(database_file)
    db.engine.dispose()
    with db.engine.connect() as conn:
        restored = table_digests(conn)
    tables = set(restored) | set(manifest["tables"])
    differing = sorted(t for t in tables if restored.get(t) != manifest["tables"].get(t))
    if differing:
        raise BackupError(f"The restored tables {', '.join(differing)} differ from the counts and checksums the "
                          f"backup recorded: do not use this database; restore again from another backup.")
    _, heads = _code_revisions()
    upgraded = sorted(heads) != sorted(manifest["schema_revisions"])
    if upgraded:
        upgrade_database()
    for name, (copy, target) in plan["scale_files"].items():
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(copy, target)
    return {"tables": len(restored), "rows": sum(t["rows"] for t in restored.values()),
            "replaced": plan["replaces"], "upgraded_from": manifest["schema_revisions"] if upgraded else None,
            "scale_files": sorted(plan["scale_files"])}


def _code_revisions():
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return {rev.revision for rev in script.walk_revisions()}, set(script.get_heads())


def _scale_files(source, manifest) -> dict:
    """{name: (path in the backup, path it restores to)} for the state's scale files the backup holds."""
    prefix = f"{SCALES_DIR}/"
    target_dir = state_scales_dir()
    return {rel[len(prefix):]: (os.path.join(source, rel), os.path.join(target_dir, rel[len(prefix):]))
            for rel in manifest["files"] if rel.startswith(prefix) and "/" not in rel[len(prefix):]}


def _restore_sqlite(database_file):
    target = sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
    source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    copy = sqlite3.connect(target, timeout=15)
    try:
        # One step, one transaction on the target: it holds the old data or the backup's, never a mix.
        source.backup(copy)
    except sqlite3.OperationalError as e:
        raise BackupError(f"SQLite could not replace {target} ({e}): stop the web server, the worker and the "
                          f"scheduler, then restore again.") from None
    finally:
        copy.close()
        source.close()


def _restore_postgres(dump):
    uri, env = libpq_target(current_app.config["SQLALCHEMY_DATABASE_URI"])
    with db.engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote
        tables = inspect(conn).get_table_names()
    db.engine.dispose()
    # The old tables are dropped and the backup loaded in one transaction: on any error nothing has changed.
    prologue = f"SET lock_timeout = '{LOCK_TIMEOUT}';\n" + "".join(
        f"DROP TABLE IF EXISTS {quote(t)} CASCADE;\n" for t in tables)
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_out:
        # --no-owner/--no-privileges: the restoring role owns what it creates, whatever role made the backup.
        reader = subprocess.Popen([pg_program("pg_restore"), "--no-owner", "--no-privileges", "--file=-", dump],
                                  stdout=subprocess.PIPE, stderr=restore_err)
        loader = subprocess.Popen([pg_program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                                   "-f", "-", "-d", uri], stdin=subprocess.PIPE, stdout=psql_out,
                                  stderr=subprocess.STDOUT, env=env)
        try:
            loader.stdin.write(prologue.encode())
            shutil.copyfileobj(reader.stdout, loader.stdin, 1 << 20)
        except BrokenPipeError:
            pass  # psql stopped at an error: its output below says which
        finally:
            loader.stdin.close()
            reader.stdout.close()
        read_status, load_status = reader.wait(), loader.wait()
        if read_status or load_status:
            restore_err.seek(0)
            psql_out.seek(0)
            detail = (restore_err.read() + psql_out.read()).decode(errors="replace").strip()
            hint = " Stop the web server, the worker and the scheduler first." if "lock timeout" in detail else ""
            raise BackupError(f"The restore failed and changed nothing: {detail[-2000:]}{hint}")
