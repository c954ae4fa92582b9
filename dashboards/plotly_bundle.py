"""The vendored partial Plotly bundle: what it holds, and its compressed forms, made once per machine.

static/vendor/plotly/plotly.min.js is plotly.js's core with only the trace types the charts draw, built by
scripts/build_plotly_bundle.sh (1.0 MB against the installed package's 4.8 MB with all 47 trace types; starting
it is most of a first chart page). Compressing it well takes seconds (brotli's best, ~3 s), so each form is
written once beside the app's instance files, named by the bundle's hash, and read from there by every process.
"""
import gzip
import hashlib
import logging
import os
import re
import tempfile

import brotli

log = logging.getLogger(__name__)

# Every trace type dashboards/figures.py and fidelity/reports/charts.py draw (a test holds them to it, and the
# vendored bundle to them; scripts/build_plotly_bundle.sh builds from this list): a type left out would be drawn
# as an empty chart.
TRACE_TYPES = ("bar", "heatmap", "scatter")
VENDORED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static", "vendor", "plotly",
                        "plotly.min.js")
TRACE = re.compile(r'moduleType:"trace",name:"(\w+)"')  # each trace module's declaration, as esbuild minifies it
VERSION = re.compile(r'\.version="(\d+\.\d+\.\d+[\w.-]*)"')  # src/version.js: exports.version = '4.1.1'
# Encoding name (as in Accept-Encoding), file suffix, compress, decompress.
ENCODINGS = (
    ("br", "br", lambda b: brotli.compress(b, quality=11, mode=brotli.MODE_TEXT), brotli.decompress),
    ("gzip", "gz", lambda b: gzip.compress(b, compresslevel=9, mtime=0), gzip.decompress),
)


def trace_types(source):
    """The trace types a bundle's source declares, in order."""
    return TRACE.findall(source)


def version(source):
    """The plotly.js version a bundle's source reports as Plotly.version, or None."""
    found = VERSION.search(source)
    return found.group(1) if found else None


def digest(body):
    """The content hash naming a body in URLs and file names."""
    return hashlib.sha256(body).hexdigest()[:16]


def _read_cached(path, body, decompress):
    """The compressed form stored at `path` if it decompresses to `body` (a torn or stale file does not)."""
    try:
        with open(path, "rb") as f:
            packed = f.read()
        return packed if decompress(packed) == body else None
    except (OSError, ValueError, EOFError, brotli.error):
        return None


def _write_cached(path, packed):
    """Store a compressed form whole or not at all: a process reading it never sees half a file."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(packed)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a web process of another user
        os.replace(temporary, path)
    except OSError as error:  # a read-only instance folder: serve from memory, compress again next start
        log.warning("could not keep the compressed Plotly bundle at %s: %s", path, error)


def compressed(body, cache_dir):
    """{encoding: bytes} of `body`, each read from `cache_dir` or compressed and stored there."""
    name, forms = f"plotly-{digest(body)}.min.js", {}
    for encoding, suffix, compress, decompress in ENCODINGS:
        path = os.path.join(cache_dir, f"{name}.{suffix}")
        forms[encoding] = _read_cached(path, body, decompress)
        if forms[encoding] is None:
            forms[encoding] = compress(body)
            _write_cached(path, forms[encoding])
    return forms
