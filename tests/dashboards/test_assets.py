"""Plotly's bundle (cut to the trace types drawn) goes out gzipped once, named by its content hash and cached for a
year; the page preloads it and figures.js starts it after the first paint."""
import gzip
import re

from dashboards.assets import _bundle
from tests.dashboards.scenario import WINDOW


def test_bundle_is_gzipped_hashed_and_cached_for_a_year(lite):
    assert lite.auth.login(lite.scenario.world.users["manager_a"]).status_code == 302
    page = lite.client.get(f"/dashboards/programs/{lite.scenario.world.program_a.id}", query_string=WINDOW)
    html = page.get_data(as_text=True)
    [url] = re.findall(r'<link rel="preload" href="(/assets/plotly-[0-9a-f]{16}\.min\.js)" as="script">', html)
    assert f'data-plotly="{url}" defer></script>' in html and f'<script src="{url}"' not in html
    original = _bundle()[1]
    packed = lite.client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in packed.headers["Vary"] and packed.mimetype == "text/javascript"
    assert len(packed.data) < len(original) / 3 and gzip.decompress(packed.data) == original
    plain = lite.client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == original
    assert lite.client.get("/assets/plotly-0123456789abcdef.min.js").status_code == 404  # another version


def test_the_sign_in_page_prefetches_the_bundle(lite):
    from dashboards.assets import plotly_digest
    html = lite.client.get("/sign-in").get_data(as_text=True)
    assert f'<link rel="prefetch" href="/assets/plotly-{plotly_digest()}.min.js" as="script">' in html
    assert lite.auth.login(lite.scenario.world.users["manager_a"]).status_code == 302
    assert "rel=\"prefetch\"" not in lite.client.get("/").get_data(as_text=True)  # once is enough
