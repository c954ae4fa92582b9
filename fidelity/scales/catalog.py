"""Every scale version the service knows: the files shipped in fidelity/scales/files/, files a state drops into
instance/scales/, and versions admins uploaded as spreadsheets (stored in the database).

An assessment names its scale key and version, so old versions stay usable for their assessments.
The current version of a scale is the one released last (an upload wins a tie: it is the state's own).
"""
import json
import os
from functools import cache, lru_cache
from pathlib import Path

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import func, select

from extensions import db
from fidelity.models import ScaleVersion
from fidelity.scales.definition import SCALES_DIR, ScaleError, load_directory, load_file, parse_scale


@lru_cache(maxsize=4)
def _files(extra_dir):
    """(scales, broken): shipped files must load; a state's broken file is reported, not fatal."""
    scales, broken = load_directory(SCALES_DIR), []
    if extra_dir and os.path.isdir(extra_dir):
        for path in sorted(Path(extra_dir).glob("*.toml")):
            try:
                scale = load_file(path)
            except ScaleError as e:
                broken.append(e)
                continue
            if (scale.key, scale.version) in scales:
                broken.append(ScaleError(path.name, [f"version {scale.version} of {scale.key} is already "
                                                     f"defined in {scales[(scale.key, scale.version)].origin}"]))
                continue
            scales[(scale.key, scale.version)] = scale
    return scales, tuple(broken)


# Uploaded versions parsed in this process, by (row id, content stamp, file name). Every request still lists the
# rows (an upload or a removal shows at once in every process); only the parsing of an unchanged row is kept.
_parsed = {}
_PARSED_MAX = 256


@cache
def _listing(dialect, with_definition):
    """The uploaded versions' rows: id, file name, upload time and a stamp of the definition's content (PostgreSQL
    sends its md5, 32 characters, not the JSON; SQLite reads in process, so the text itself is the stamp), with the
    definition itself when asked."""
    v = ScaleVersion.__table__.c
    stamp = func.md5(v.definition) if dialect == "postgresql" else v.definition
    columns = [v.id, v.filename, v.uploaded_at, stamp.label("stamp")]
    return select(*columns, *([v.definition] if with_definition else [])).order_by(v.id)


def _uploaded_versions():
    """[(Scale, row)] of the uploaded versions, parsing only rows this process has not seen as they are now."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    rows = connection.execute(_listing(dialect, False)).all()
    if any((row.id, row.stamp, row.filename) not in _parsed for row in rows):
        # Read again with the definitions: a row changed between the two reads is parsed as it is now.
        rows = connection.execute(_listing(dialect, True)).all()
        if len(_parsed) + len(rows) > _PARSED_MAX:
            _parsed.clear()
        for row in rows:
            key = (row.id, row.stamp, row.filename)
            if key not in _parsed:
                _parsed[key] = parse_scale(json.loads(row.definition), f"uploaded: {row.filename}")
    return [(_parsed[(row.id, row.stamp, row.filename)], row) for row in rows]


def state_scales_dir():
    """Where the state's own scale files live: FIDELITY_SCALES_DIR, else instance/scales/ (backups copy it)."""
    return current_app.config.get("FIDELITY_SCALES_DIR") or os.path.join(current_app.instance_path, "scales")


def _extra_dir():
    return state_scales_dir() if has_app_context() else None


def file_scales():
    """Scales defined by files: {(key, version): Scale}."""
    return dict(_files(_extra_dir())[0])


def broken_files():
    """ScaleErrors of the state's scale files that could not be loaded (shown on the scales page)."""
    return _files(_extra_dir())[1]


def all_scales():
    """[(Scale, uploaded row or None)] for every version, by key then release date (read once a request)."""
    if has_request_context() and "fidelity_scales" in g:
        return g.fidelity_scales
    found = [(scale, None) for scale in file_scales().values()]
    if has_app_context():
        found += _uploaded_versions()
    found = sorted(found, key=lambda pair: (pair[0].key, pair[0].released, pair[1] is not None,
                                            pair[1].id if pair[1] else 0))
    if has_request_context():
        g.fidelity_scales = found
    return found


def versions(key):
    """Every version of one scale, oldest first; KeyError for an unknown scale."""
    found = [scale for scale, _ in all_scales() if scale.key == key]
    if not found:
        raise KeyError(key)
    return found


def scale_keys():
    """{key: title of its current version}."""
    titles = {}
    for scale, _ in all_scales():
        titles[scale.key] = scale.title
    return titles


def get_scale(key, version=None):
    """One version of a scale (the current one when version is None); KeyError when unknown."""
    found = versions(key)
    if version is None:
        return found[-1]
    for scale in found:
        if scale.version == version:
            return scale
    raise KeyError(f"{key} {version}")


def current_version(key):
    return get_scale(key).version


class ScaleVersionMissing(KeyError):
    """The scale version an assessment was rated on is no longer installed; the message says what to do."""

    def __str__(self):
        return self.args[0]


def scale_of(assessment):
    """The scale version the assessment is rated on (ScaleVersionMissing when its file was removed)."""
    try:
        return get_scale(assessment.scale_key, assessment.scale_version)
    except KeyError:
        raise ScaleVersionMissing(
            f"This visit was rated on {assessment.scale_key} version {assessment.scale_version}, which is no longer "
            "installed, so it cannot be shown item by item. An administrator can upload that version again "
            "(Scales, in the admin pages); nothing was changed.") from None


def headline_key():
    """The key of the headline programmatic scale (a key is headline when any of its versions says so)."""
    return next((scale.key for scale, _ in all_scales() if scale.headline), None)


def high_band(key):
    """The key of the band that counts as "high" on a scale (its current version)."""
    return get_scale(key).high_band


def family(scale):
    """What makes two versions comparable: same scale, same items, same summary rule and bands."""
    return (scale.key, scale.summary, tuple(i.number for i in scale.items),
            tuple((b.key, b.low, b.high) for b in scale.bands))


def same_family(key, version_a, version_b):
    """Whether visits rated on these two versions of a scale may be compared (False when either is gone)."""
    if version_a == version_b:
        return True
    try:
        return family(get_scale(key, version_a)) == family(get_scale(key, version_b))
    except KeyError:
        return False


def headline_facts():
    """The headline scale's current version as plain data for charts and tables: title, rating range, bands.

    `bands` are the current version's, lowest first; `earlier_bands` are bands only earlier versions have, so
    a visit rated on one still gets its name and a colour.
    """
    scale = get_scale(headline_key())
    current = {band.key for band in scale.bands}
    earlier = {band.key: band for old in versions(scale.key)[:-1] for band in old.bands if band.key not in current}
    return {"key": scale.key, "version": scale.version, "title": scale.title,
            "rating_range": list(scale.rating_range), "high_band": scale.high_band, "high_from": scale.high_from,
            "bands": [_band_dict(b) for b in scale.bands],
            "earlier_bands": [_band_dict(b) for b in sorted(earlier.values(), key=lambda b: (b.low, b.key))]}


def _band_dict(band):
    return {"key": band.key, "label": band.label, "from": band.low, "to": band.high}
