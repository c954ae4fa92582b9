"""Plotly's bundle goes out in brotli or gzip as the browser accepts, compressed before any request (kept on disk
by content hash, so a machine compresses it once), named by its content hash and cached for a year; the page
preloads it and figures.js starts it after the first paint."""
import gzip
import os
import re

import brotli
import pytest

from dashboards import assets, plotly_bundle
from dashboards.assets import _bundle
from tests.conftest import make_app
from tests.dashboards.scenario import WINDOW


def _bundle_url(lite):
    assert lite.auth.login(lite.scenario.world.users["manager_a"]).status_code == 302
    page = lite.client.get(f"/dashboards/programs/{lite.scenario.world.program_a.id}", query_string=WINDOW)
    html = page.get_data(as_text=True)
    [url] = re.findall(r'<link rel="preload" href="(/assets/plotly-[0-9a-f]{16}\.min\.js)" as="script">', html)
    assert f'data-plotly="{url}" defer></script>' in html and f'<script src="{url}"' not in html
    return url


@pytest.mark.parametrize("accepted, sent, decompress", [
    ("gzip, deflate, br, zstd", "br", brotli.decompress),  # Chromium over HTTPS
    ("gzip, deflate", "gzip", gzip.decompress),  # Chromium over plain HTTP
    ("br;q=0.5, gzip", "gzip", gzip.decompress),  # the browser's preference counts
    ("identity", None, lambda data: data),
    ("", None, lambda data: data),
])
def test_bundle_goes_out_compressed_as_accepted_hashed_and_cached_for_a_year(lite, accepted, sent, decompress):
    url = _bundle_url(lite)
    original = _bundle()[1]
    with open(plotly_bundle.VENDORED, "rb") as f:
        assert original == f.read()
    response = lite.client.get(url, headers={"Accept-Encoding": accepted})
    assert response.status_code == 200 and response.headers.get("Content-Encoding") == sent
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in response.headers["Vary"] and response.mimetype == "text/javascript"
    assert decompress(response.data) == original
    if sent:
        assert len(response.data) < len(original) / 2.5  # 1.0 MB as about 0.3 MB
    assert lite.client.get("/assets/plotly-0123456789abcdef.min.js").status_code == 404  # another version


def test_the_sign_in_page_has_a_worker_keep_the_bundle(lite):
    from dashboards.assets import plotly_digest
    bundle = f"/assets/plotly-{plotly_digest()}.min.js"
    html = lite.client.get("/sign-in").get_data(as_text=True)
    [script] = re.findall(r'<script src="/static/js/plotly-cache\.js\?v=\w+"[^>]*>', html)
    assert f'data-plotly="{bundle}"' in script and 'data-worker="/plotly-worker.js"' in script
    worker = lite.client.get("/plotly-worker.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert f"var BUNDLE = '{bundle}';" in worker.get_data(as_text=True)  # a new bundle is a new worker
    assert worker.headers["Cache-Control"] == "no-store"  # so the browser's update check sees it at once
    assert lite.auth.login(lite.scenario.world.users["manager_a"]).status_code == 302
    assert "plotly-cache.js" not in lite.client.get("/").get_data(as_text=True)  # once is enough


def test_the_bundle_does_not_vary_with_the_session_cookie(lite):
    # Signing in changes the cookie: with Vary: Cookie the browser dropped the copy kept at sign-in.
    url = _bundle_url(lite)
    response = lite.client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
    page = lite.client.get("/")
    assert "Cookie" in page.headers.get("Vary", "")  # pages still vary by who asks


def _cheap_gzip(monkeypatch, calls):
    """Plotly's compressors replaced by one fast gzip that counts its calls (brotli's best takes seconds)."""
    def compress(body):
        calls.append(len(body))
        return gzip.compress(body, compresslevel=1, mtime=0)
    monkeypatch.setattr(plotly_bundle, "ENCODINGS", (("gzip", "gz", compress, gzip.decompress),))


def test_a_starting_web_process_compresses_once_and_keeps_it_by_hash(sqlite_template, tmp_path, monkeypatch):
    calls = []
    _cheap_gzip(monkeypatch, calls)
    monkeypatch.setattr(assets, "_loaded", None)  # a new process
    monkeypatch.setenv("IMR_INSTANCE_PATH", str(tmp_path / "instance"))
    url = sqlite_template.fresh(str(tmp_path))[0]
    make_app(url)
    digest, body, forms = assets._loaded  # done while the app started, before any request
    stored = tmp_path / "instance" / "asset-cache" / f"plotly-{digest}.min.js.gz"
    assert calls == [len(body)] and stored.read_bytes() == forms["gzip"]

    monkeypatch.setattr(assets, "_loaded", None)  # the next process on the machine reads what the first left
    app = make_app(url)
    assert calls == [len(body)] and assets._loaded[2] == forms
    response = app.test_client().get(f"/assets/plotly-{digest}.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and response.data == stored.read_bytes()


def test_a_stored_form_that_does_not_decompress_to_the_bundle_is_made_again(tmp_path):
    body = b"var Plotly = {version: '4.1.1'};" * 40
    first = plotly_bundle.compressed(body, str(tmp_path))
    names = sorted(os.listdir(tmp_path))
    assert names == [f"plotly-{plotly_bundle.digest(body)}.min.js.{s}" for s in ("br", "gz")]
    assert brotli.decompress(first["br"]) == gzip.decompress(first["gzip"]) == body
    other = gzip.compress(body, compresslevel=1, mtime=0)  # another valid form: read from disk, not redone
    (tmp_path / names[1]).write_bytes(other)
    (tmp_path / names[0]).write_bytes(first["br"][:-5])  # torn
    again = plotly_bundle.compressed(body, str(tmp_path))
    assert again == {"br": first["br"], "gzip": other}
    assert (tmp_path / names[0]).read_bytes() == first["br"]  # mended on disk
    assert [n for n in os.listdir(tmp_path) if n.startswith(".tmp-")] == []
