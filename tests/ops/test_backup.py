"""`flask backup` and `flask restore`: the demo state round-trips on both databases, uploads and scale files
included; a backup taken while writes go on is consistent; bad backups and non-empty databases are refused
with the database untouched."""
import hashlib
import io
import json
import os
import shutil
import threading
import warnings
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import MetaData, create_engine, insert, select, text
from sqlalchemy.exc import SAWarning

from extensions import db
from imports import operations
from models import Agency, AuditLog
from tests.conftest import make_app
from tests.databases import _admin_engine


def _snapshot(url):
    """{table: (rows, sha256 of its sorted rows)}: this test's own order-independent view of every table.

    The audit row a restore writes about itself is left out (and counted by the tests that expect it)."""
    engine = create_engine(url)
    meta = MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        meta.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            query = select(table)
            if name == "audit_log":
                query = query.where(table.c.action != "restore")
            rows = sorted(repr(tuple(row)) for row in conn.execute(query))
            found[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    engine.dispose()
    return found


def _workbook():
    book = Workbook()
    book.active.append(["Client ID", "Start date", "Team"])
    book.active.append(["NC-0001", date(2026, 3, 2), "Tuesday group"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def empty_url(backend, tmp_path, request):
    """A database with nothing in it, not even tables: where a restore onto a new server starts."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/restored.sqlite3"
        return
    admin = _admin_engine(request.getfixturevalue("postgres_admin_url"))
    name = f"imr_restore_{os.getpid()}_{abs(hash(str(tmp_path))) % 10**8}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield request.getfixturevalue("postgresql_template").url_for(name)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _schema_head():
    """(the code's newest revision, the one before it): tests must not name revisions that later ones follow."""
    from alembic.script import ScriptDirectory
    script = ScriptDirectory(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "migrations"))
    [head] = script.get_heads()
    return head, script.get_revision(head).down_revision


def _target_app(url, scales_dir):
    return make_app(url, FIDELITY_SCALES_DIR=str(scales_dir))


def _run(app, *args):
    """Run a command on `app` (its own context: the fixture's context would otherwise be used)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    return result


def test_demo_state_round_trips_with_uploads_and_scale_files(app, demo, database_url, empty_url, tmp_path):
    upload = _workbook()
    agency = db.session.scalar(select(Agency).order_by(Agency.id))
    operations.create_batch(agency, "roster", "roster march.xlsx", upload)
    own_scales = tmp_path / "scales"
    own_scales.mkdir()
    (own_scales / "state_imr_2027.toml").write_text("# the state's own version\n", encoding="utf-8")
    app.config["FIDELITY_SCALES_DIR"] = str(own_scales)

    result = _run(app, "backup", str(tmp_path / "nightly"))
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output and _schema_head()[0] in result.output
    before = _snapshot(database_url)
    manifest = json.loads((tmp_path / "nightly" / "manifest.json").read_text())
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == {t: v[0] for t, v in before.items()}
    assert "scales/state_imr_2027.toml" in manifest["files"]

    restored_scales = tmp_path / "restored-scales"
    target = _target_app(empty_url, restored_scales)
    result = _run(target, "restore", str(tmp_path / "nightly"))
    assert result.exit_code == 0, result.output
    assert "every table's row count and checksum match" in result.output
    after = _snapshot(empty_url)
    assert after == before  # every table: the same count and the same rows
    assert (restored_scales / "state_imr_2027.toml").read_text() == "# the state's own version\n"

    with target.app_context():
        batch = db.session.scalar(select(operations.ImportBatch).where(
            operations.ImportBatch.filename == "roster march.xlsx"))
        assert batch.files.content == upload  # the original upload, byte for byte
        assert db.session.scalar(select(AuditLog.new_value).where(AuditLog.action == "restore")).endswith("nightly")
        db.session.add(Agency(code="NEW", name="Opened after the restore"))
        db.session.commit()  # ids continue after the restored ones (PostgreSQL's sequences came back too)
        db.session.remove()
        db.engine.dispose()


def test_a_backup_taken_while_writes_go_on_is_consistent(app, world, database_url, empty_url, tmp_path):
    writer = create_engine(database_url)
    done = threading.Event()
    written = []

    def keep_writing():
        table = AuditLog.__table__
        while not done.is_set():
            with writer.begin() as conn:
                conn.execute(insert(table).values(actor="load", action="update", entity="probe", new_value="x"))
            written.append(1)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        result = _run(app, "backup", str(tmp_path / "busy"))
    finally:
        done.set()
        thread.join()
        writer.dispose()
    assert result.exit_code == 0, result.output
    assert written  # writes really happened while the backup ran
    recorded = json.loads((tmp_path / "busy" / "manifest.json").read_text())["tables"]["audit_log"]["rows"]
    # The restore checks the loaded rows against the manifest's counts and checksums: they must agree.
    result = _run(_target_app(empty_url, tmp_path / "s"), "restore", str(tmp_path / "busy"))
    assert result.exit_code == 0, result.output
    assert _snapshot(empty_url)["audit_log"][0] == recorded


def test_a_backup_never_overwrites_a_path(app, world, tmp_path):
    tmp_path = tmp_path / "backups"
    tmp_path.mkdir()
    for existing in (tmp_path / "file", tmp_path / "dir"):
        existing.mkdir() if existing.name == "dir" else existing.write_text("keep me")
        result = _run(app, "backup", str(existing))
        assert result.exit_code == 1 and "exists already" in result.output
    assert (tmp_path / "file").read_text() == "keep me" and not any((tmp_path / "dir").iterdir())
    result = _run(app, "backup", str(tmp_path / "no" / "such" / "folder"))
    assert result.exit_code == 1 and "does not exist: create it first" in result.output
    assert sorted(os.listdir(tmp_path)) == ["dir", "file"]  # no half-written backup left behind


def test_a_database_holding_data_is_replaced_only_when_forced(app, world, database_url, tmp_path):
    assert _run(app, "backup", str(tmp_path / "b")).exit_code == 0
    backed_up = _snapshot(database_url)
    db.session.add(Agency(code="LATE", name="Added after the backup"))
    db.session.commit()
    db.session.remove()
    holding = _snapshot(database_url)

    result = _run(app, "restore", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "not empty; restoring would replace: agency (3 rows)" in result.output and "--force" in result.output
    assert _snapshot(database_url) == holding

    result = _run(app, "restore", str(tmp_path / "b"), "--force")
    assert result.exit_code == 0, result.output
    assert "Replaced: agency (3 rows)" in result.output
    assert _snapshot(database_url) == backed_up


def _corrupt(backup):
    name = next(n for n in os.listdir(backup) if n.startswith("database."))
    data = bytearray((backup / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (backup / name).write_bytes(bytes(data))


def _truncate(backup):
    name = next(n for n in os.listdir(backup) if n.startswith("database."))
    (backup / name).write_bytes((backup / name).read_bytes()[:1000])


def _edit_manifest(change):
    def edit(backup):
        manifest = json.loads((backup / "manifest.json").read_text())
        change(manifest)
        (backup / "manifest.json").write_text(json.dumps(manifest))
    return edit


BAD_BACKUPS = [
    ("a byte changed in the dump", _corrupt, "is damaged: database."),
    ("the dump cut short", _truncate, "is damaged: database."),
    ("no manifest", lambda b: (b / "manifest.json").unlink(), "is not an IMR backup: it has no manifest.json"),
    ("a manifest that is not JSON", lambda b: (b / "manifest.json").write_text("{nope"), "is not readable JSON"),
    ("another program's manifest", _edit_manifest(lambda m: m.update(format="pg-backup-tool")),
     "is not an IMR backup: manifest.json does not say format"),
    ("a newer schema", _edit_manifest(lambda m: m.update(schema_revisions=["0099_from_the_future"])),
     "holds schema 0099_from_the_future, which this version of the service does not know"),
    ("a manifest whose files are not a list of files", _edit_manifest(lambda m: m.update(files=["database.pgdump"])),
     "are not what a backup writes"),
    ("a newer backup format", _edit_manifest(lambda m: m.update(format_version=2)), "cannot read"),
]


def _other_kind(backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    old_name = next(n for n in manifest["files"] if n.startswith("database."))
    kind, name = ("sqlite", "database.sqlite3") if manifest["database"] == "postgresql" else \
        ("postgresql", "database.pgdump")
    os.rename(backup / old_name, backup / name)
    manifest["database"], manifest["files"][name] = kind, manifest["files"].pop(old_name)
    (backup / "manifest.json").write_text(json.dumps(manifest))


BAD_BACKUPS.append(("the other kind of database", _other_kind, "restore it into the kind of database it came from"))


def test_a_damaged_foreign_or_newer_backup_is_refused_and_changes_nothing(app, world, database_url, tmp_path):
    assert _run(app, "backup", str(tmp_path / "b")).exit_code == 0
    before = _snapshot(database_url)
    (tmp_path / "export.xlsx").write_bytes(_workbook())
    result = _run(app, "restore", str(tmp_path / "export.xlsx"))
    assert result.exit_code == 1 and "export.xlsx is not an IMR backup" in result.output
    for case, spoil, message in BAD_BACKUPS:
        spoiled = tmp_path / case.replace(" ", "-").replace("'", "")
        shutil.copytree(tmp_path / "b", spoiled)
        spoil(spoiled)
        result = _run(app, "restore", str(spoiled), "--force")
        assert result.exit_code == 1 and message in result.output, (case, result.output)
    assert _snapshot(database_url) == before


def test_a_database_at_a_newer_schema_than_the_code_is_left_alone(app, database_url, empty_url, tmp_path):
    assert _run(app, "backup", str(tmp_path / "b")).exit_code == 0
    db.session.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    db.session.commit()
    before = _snapshot(database_url)
    result = _run(app, "restore", str(tmp_path / "b"), "--force")
    assert result.exit_code == 1 and "The database is at schema 0099_from_the_future" in result.output
    assert _snapshot(database_url) == before


def test_a_backup_of_an_older_schema_is_restored_then_migrated(tmp_path):
    from flask_migrate import upgrade
    head, previous = _schema_head()
    older = make_app(f"sqlite:///{tmp_path}/older.sqlite3")
    with older.app_context():
        upgrade(directory=older.extensions["migrate"].directory, revision=previous)
        # Written as the older schema knows the table: today's model may have columns it lacks.
        db.session.execute(text("INSERT INTO agency (code, name, kind, created_at) VALUES "
                                "('OLD', 'Backed up before the last migration', 'Community mental health center', "
                                "CURRENT_TIMESTAMP)"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert _run(older, "backup", str(tmp_path / "b")).exit_code == 0
    target = _target_app(f"sqlite:///{tmp_path}/new.sqlite3", tmp_path / "s")
    result = _run(target, "restore", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert f"was at schema {previous}; the database is now up to date" in result.output
    with target.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
        name = db.session.scalar(select(Agency.name).where(Agency.code == "OLD"))
        assert name == "Backed up before the last migration"
        db.session.remove()
        db.engine.dispose()


def test_a_different_scale_file_of_the_same_name_is_replaced_only_when_forced(sqlite_app, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "state.toml").write_text("# backed up\n")
    sqlite_app.config["FIDELITY_SCALES_DIR"] = str(own)
    assert _run(sqlite_app, "backup", str(tmp_path / "b")).exit_code == 0
    there = tmp_path / "there"
    there.mkdir()
    (there / "state.toml").write_text("# edited on the new server\n")
    target = _target_app(f"sqlite:///{tmp_path}/new.sqlite3", there)
    result = _run(target, "restore", str(tmp_path / "b"))
    assert result.exit_code == 1 and f"would replace: scale file {there / 'state.toml'}" in result.output
    assert (there / "state.toml").read_text() == "# edited on the new server\n"
    assert _run(target, "restore", str(tmp_path / "b"), "--force").exit_code == 0
    assert (there / "state.toml").read_text() == "# backed up\n"
