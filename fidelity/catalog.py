"""Every scale version the service knows: the files shipped in fidelity/scales/, files a state drops into
instance/scales/, and versions admins uploaded as spreadsheets (stored in the database).

An assessment names its scale key and version, so old versions stay usable for their assessments.
The current version of a scale is the one released last (an upload wins a tie: it is the state's own).
"""
import json
import os
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import select

from extensions import db
from fidelity.models import ScaleVersion
from fidelity.scales import SCALES_DIR, load_directory, parse_scale


@lru_cache(maxsize=4)
def _files(extra_dir):
    scales = load_directory(SCALES_DIR)
    if extra_dir and os.path.isdir(extra_dir):
        for key, scale in load_directory(extra_dir).items():
            if key in scales:
                raise ValueError(f"{scale.origin}: version {key[1]} of {key[0]} is already shipped in "
                                 f"{scales[key].origin}")
            scales[key] = scale
    return scales


@lru_cache(maxsize=256)
def _uploaded(row_id, definition, filename):
    return parse_scale(json.loads(definition), f"uploaded: {filename}")


def _extra_dir():
    if not has_app_context():
        return None
    return current_app.config.get("FIDELITY_SCALES_DIR") or os.path.join(current_app.instance_path, "scales")


def file_scales():
    """Scales defined by files: {(key, version): Scale}."""
    return dict(_files(_extra_dir()))


def all_scales():
    """[(Scale, uploaded row or None)] for every version, by key then release date."""
    found = [(scale, None) for scale in file_scales().values()]
    if has_app_context():
        for row in db.session.scalars(select(ScaleVersion).order_by(ScaleVersion.id)):
            found.append((_uploaded(row.id, row.definition, row.filename), row))
    return sorted(found, key=lambda pair: (pair[0].key, pair[0].released, pair[1] is not None,
                                           pair[1].id if pair[1] else 0))


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
