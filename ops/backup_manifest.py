"""The manifest of a backup directory: what it holds and how to check it is whole, written last, read first."""
import hashlib
import json
import os

from ops.backup_tools import BackupError

MANIFEST = "manifest.json"
FORMAT = "imr-backup"
FORMAT_VERSION = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
SCALES_DIR = "scales"  # the state's own scale files (instance/scales/), which live beside the database


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def describe_files(directory) -> dict:
    """{relative path: {"bytes": n, "sha256": hex}} for every file under directory."""
    files = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, directory)
            files[rel] = {"bytes": os.path.getsize(path), "sha256": file_sha256(path)}
    return dict(sorted(files.items()))


def write_manifest(directory, manifest: dict):
    with open(os.path.join(directory, MANIFEST), "w", encoding="utf-8") as f:
        json.dump({"format": FORMAT, "format_version": FORMAT_VERSION, **manifest}, f, indent=2)
        f.write("\n")


def read_manifest(source) -> dict:
    """The manifest of a backup directory, its files checked against it; BackupError when foreign or damaged."""
    if not os.path.exists(source):
        raise BackupError(f"{source} does not exist.")
    if not os.path.isdir(source):
        raise BackupError(f"{source} is not an IMR backup: a backup is a directory holding {MANIFEST} "
                          f"(as `flask --app app backup DEST` writes it).")
    path = os.path.join(source, MANIFEST)
    if not os.path.isfile(path):
        raise BackupError(f"{source} is not an IMR backup: it has no {MANIFEST}.")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise BackupError(f"{path} is damaged: it is not readable JSON ({e}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not an IMR backup: {MANIFEST} does not say format \"{FORMAT}\".")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(f"{source} was written in backup format {manifest.get('format_version')!r}, which this "
                          f"version of the service cannot read (it reads format {FORMAT_VERSION}).")
    for key in ("database", "schema_revisions", "files", "tables"):
        if key not in manifest:
            raise BackupError(f"{path} is damaged: it has no \"{key}\".")
    if not isinstance(manifest["files"], dict) or not all(isinstance(v, dict) for v in manifest["files"].values()) \
            or not isinstance(manifest["tables"], dict) or not isinstance(manifest["schema_revisions"], list):
        raise BackupError(f"{path} is damaged: its files, tables or schema revisions are not what a backup writes.")
    if manifest["database"] not in DATABASE_FILES or DATABASE_FILES[manifest["database"]] not in manifest["files"]:
        raise BackupError(f"{path} is damaged: it names no database file.")
    _check_files(source, manifest["files"])
    return manifest


def _check_files(source, files: dict):
    for rel, expected in files.items():
        path = os.path.join(source, rel)
        if os.path.isabs(rel) or os.path.normpath(rel).startswith(".."):
            raise BackupError(f"{source}/{MANIFEST} is damaged: it names a file outside the backup ({rel}).")
        if not os.path.isfile(path):
            raise BackupError(f"{source} is incomplete: {rel} is missing.")
        if os.path.getsize(path) != expected.get("bytes") or file_sha256(path) != expected.get("sha256"):
            raise BackupError(f"{source} is damaged: {rel} differs from the checksum its manifest recorded "
                              f"(the file was changed or cut short). Restore from another backup.")
